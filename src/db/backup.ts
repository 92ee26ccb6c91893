// npm run db:backup -- FILE [--force]
//
// A consistent copy of the live database (DATABASE_PATH) while the service runs, made with
// SQLite's online backup API. The copy is written next to FILE under a temporary name, checked
// (PRAGMA integrity_check), and only then renamed to FILE, so FILE is never a half-written
// backup. Restoring is replacing the service's database file with it; see docs/operations.md.
import { accessSync, chmodSync, constants, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { loadConfig } from '../config.ts';

/** What went wrong, in words for the person running the command. */
export class BackupError extends Error {
  override name = 'BackupError';
}

export interface BackupReport {
  source: string;
  target: string;
  pages: number;
  pageSize: number;
  bytes: number;
  /** Every table in the copy, with its rows. */
  tables: Array<{ name: string; rows: number }>;
}

export async function backupDatabase(source: string, target: string, opts: { force?: boolean } = {}): Promise<BackupReport> {
  const from = resolve(source);
  const to = resolve(target);
  if (!existsSync(from)) throw new BackupError(`no database at ${from} (DATABASE_PATH): nothing to back up`);
  if (from === to) throw new BackupError(`${to} is the live database itself; back up to another file`);
  checkWritable(to, opts.force ?? false);

  const partial = `${to}.partial-${process.pid}`;
  try {
    const live = new Database(from, { readonly: true, fileMustExist: true });
    try {
      // All pages in one step, so the copy is read in one transaction: a consistent snapshot of
      // the moment it began. Copied 100 pages at a time (the default), every answer the service
      // wrote between steps would restart the backup, and a busy service could keep it from ever
      // finishing. In WAL mode that one read does not block the service's writes.
      await live.backup(partial, { progress: () => 0x7fffffff });
    } finally {
      live.close();
    }
    const report = inspect(partial);
    // The copy holds what the database holds (answers, staff password hashes): no more readable
    // than the live file.
    chmodSync(partial, statSync(from).mode & 0o777);
    // Whatever sat at FILE goes, with any -wal/-shm it left: SQLite would apply a stale -wal
    // next to the new file to it, and corrupt it.
    for (const stale of [`${to}-wal`, `${to}-shm`]) rmSync(stale, { force: true });
    renameSync(partial, to);
    return { ...report, source: from, target: to };
  } catch (e) {
    rmSync(partial, { force: true });
    for (const leftover of [`${partial}-wal`, `${partial}-shm`, `${partial}-journal`]) rmSync(leftover, { force: true });
    if (e instanceof BackupError) throw e;
    throw new BackupError(`cannot back up ${from} to ${to}: ${(e as Error).message}`);
  }
}

function checkWritable(to: string, force: boolean): void {
  const folder = dirname(to);
  if (!existsSync(folder)) throw new BackupError(`cannot write ${to}: the folder ${folder} does not exist`);
  if (!statSync(folder).isDirectory()) throw new BackupError(`cannot write ${to}: ${folder} is not a folder`);
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new BackupError(`cannot write ${to}: no permission to write in ${folder}`);
  }
  if (existsSync(to)) {
    if (statSync(to).isDirectory()) throw new BackupError(`cannot write ${to}: it is a folder; give a file name`);
    if (!force) throw new BackupError(`${to} already exists; choose another file, or pass --force to replace it`);
  }
}

/** Check the copy and say what is in it. It is left in rollback-journal mode: one file. */
function inspect(path: string): Omit<BackupReport, 'source' | 'target'> {
  const copy = new Database(path);
  try {
    // The live database is in WAL mode and the copy inherits it; a backup should be one file
    // that opens anywhere, read-only too, without -wal and -shm beside it.
    copy.pragma('journal_mode = DELETE');
    const integrity = copy.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw new BackupError(`the copy fails PRAGMA integrity_check: ${String(integrity)}`);
    const names = copy
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .pluck()
      .all() as string[];
    const tables = names.map((name) => ({ name, rows: copy.prepare(`SELECT count(*) FROM "${name.replaceAll('"', '""')}"`).pluck().get() as number }));
    const pages = copy.pragma('page_count', { simple: true }) as number;
    const pageSize = copy.pragma('page_size', { simple: true }) as number;
    return { pages, pageSize, bytes: pages * pageSize, tables };
  } finally {
    copy.close();
  }
}

const size = (bytes: number) => (bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`);

export function describeBackup(r: BackupReport): string {
  const rows = (name: string) => r.tables.find((t) => t.name === name)?.rows ?? 0;
  return [
    `backed up ${r.source} to ${r.target}`,
    `  ${r.pages} pages of ${r.pageSize} bytes (${size(r.bytes)}); integrity_check: ok`,
    `  sessions: ${rows('sessions')}, turns: ${rows('turns')}, grades: ${rows('grades')}`,
    `  ${r.tables.length} tables: ${r.tables.map((t) => `${t.name} (${t.rows})`).join(', ')}`,
  ].join('\n');
}

async function main() {
  const { values, positionals } = parseArgs({ options: { force: { type: 'boolean', default: false } }, allowPositionals: true });
  if (positionals.length !== 1) throw new BackupError('usage: npm run db:backup -- FILE [--force]');
  const config = loadConfig();
  const report = await backupDatabase(config.DATABASE_PATH, positionals[0]!, { force: values.force });
  console.log(describeBackup(report));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(`db:backup: ${e instanceof BackupError ? e.message : (e as Error).stack}`);
    process.exit(1);
  });
}
