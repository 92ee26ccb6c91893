// npm run db:backup against the real service while candidates keep answering, then a restore:
// the copy is consistent, holds every answer acknowledged before it began, and the service runs
// on it again.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/index.ts';
import { startServer, type Server } from '../helpers/server.ts';
import { ROOT } from '../helpers/sources.ts';

interface Acknowledged {
  session: string;
  token: string;
  answerId: string;
  answer: string;
  /** When the answer was sent, and when the service's response arrived. */
  sent: number;
  at: number;
}

/** `npm run -s db:backup -- ...args` with DATABASE_PATH set, as an operator runs it. */
function backup(databasePath: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string; started: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '-s', 'db:backup', '--', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root', DATABASE_PATH: databasePath },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, started }));
  });
}

/** Candidates answering through the JSON API until told to stop; every 2xx answer is recorded. */
function candidates(url: string, count: number) {
  const acknowledged: Acknowledged[] = [];
  const failures: string[] = [];
  let stopping = false;
  const call = async (method: string, path: string, body: unknown, token?: string) => {
    const res = await fetch(url + path, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as any };
  };
  const one = async (n: number) => {
    for (let round = 0; !stopping; round++) {
      const s = await call('POST', '/api/sessions', { count: 5 });
      if (s.status !== 201) {
        failures.push(`start: ${s.status} ${JSON.stringify(s.json)}`);
        return;
      }
      for (let q = 0; q < 5 && !stopping; q++) {
        const answer = `候选人 ${n} 第 ${round} 轮第 ${q} 题：用 Redis 的 SET NX PX 加锁并设置过期时间。`;
        const sent = performance.now();
        const a = await call('POST', `/api/sessions/${s.json.id}/answers`, { answer }, s.json.token);
        if (a.status !== 200 && a.status !== 202) {
          failures.push(`answer: ${a.status} ${JSON.stringify(a.json)}`);
          return;
        }
        acknowledged.push({ session: s.json.id, token: s.json.token, answerId: a.json.answer_id, answer, sent, at: performance.now() });
        const next = await call('POST', `/api/sessions/${s.json.id}/next`, {}, s.json.token);
        if (next.json.finished) break;
      }
    }
  };
  const running = Promise.all(Array.from({ length: count }, (_, n) => one(n)));
  return {
    acknowledged,
    failures,
    stop: async () => {
      stopping = true;
      await running;
    },
  };
}

const waitUntil = async (ok: () => boolean, ms: number) => {
  const deadline = Date.now() + ms;
  while (!ok() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
};

// Rate limits are for people; these candidates are scripts.
const ENV = { RATE_SESSIONS_PER_MINUTE: '100000', RATE_ANSWERS_PER_MINUTE: '100000', SANDBOX_UID_BASE: '61680' };

describe('npm run db:backup, then restore', () => {
  let server: Server | undefined;
  afterAll(() => server?.stop());

  it('copies the live database while answers are written, and the service runs again on the copy', { timeout: 120_000 }, async () => {
    server = await startServer(ENV);
    const dbPath = server.dbPath;
    const target = join(mkdtempSync(join(tmpdir(), 'mianshi-backup-')), 'backup.db');

    const load = candidates(server.url, 4);
    await waitUntil(() => load.acknowledged.length >= 20, 20_000);
    const before = load.acknowledged.length;
    const run = backup(dbPath, target);
    const result = await run;
    const finishedAt = performance.now();
    // Keep writing a little after the backup, so the restore can be told from the live file.
    await waitUntil(() => load.acknowledged.some((a) => a.sent > finishedAt), 10_000);
    await load.stop();

    expect(load.failures).toEqual([]);
    expect(result.stderr.replace(/^npm warn.*\n/gm, '')).toBe('');
    expect(result.code).toBe(0);
    const acked = load.acknowledged;
    const ackedBefore = acked.slice(0, before);
    const during = acked.filter((a) => a.at > result.started && a.at < finishedAt);
    // Sent after the backup ended, so written after its snapshot (an answer merely acknowledged
    // after it may have been stored before).
    const after = acked.filter((a) => a.sent > finishedAt);
    expect(ackedBefore.length).toBeGreaterThanOrEqual(20);
    expect(during.length, 'answers written while the backup ran').toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);

    // What it printed is what it copied.
    const copy = openDatabase(target);
    const count = (table: string) => copy.$client.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    expect(result.stdout).toContain(`backed up ${dbPath} to ${target}`);
    expect(result.stdout).toMatch(/\d+ pages of \d+ bytes/);
    expect(result.stdout).toContain(`sessions: ${count('sessions')}, turns: ${count('turns')}, grades: ${count('grades')}`);
    expect(copy.$client.pragma('integrity_check', { simple: true })).toBe('ok');
    const stored = new Map(
      (copy.$client.prepare('SELECT id, answer FROM turns WHERE answer IS NOT NULL').all() as Array<{ id: string; answer: string }>).map((t) => [t.id, t.answer]),
    );
    const missing = ackedBefore.filter((a) => stored.get(a.answerId) !== a.answer);
    expect(missing, 'acknowledged before the backup began, but not in it').toEqual([]);
    copy.$client.close();

    // Restore: stop the service, put the copy in place of its file, start it again on that file.
    await server.stop();
    for (const f of [`${dbPath}-wal`, `${dbPath}-shm`]) rmSync(f, { force: true });
    copyFileSync(target, dbPath);
    server = await startServer(ENV, dbPath);
    const read = async (a: Acknowledged) => {
      const res = await fetch(`${server!.url}/api/sessions/${a.session}/transcript`, { headers: { authorization: `Bearer ${a.token}` } });
      return { status: res.status, turns: res.ok ? ((await res.json()) as { turns: Array<{ answer_id: string; answer?: string }> }).turns : [] };
    };
    const last = ackedBefore.at(-1)!;
    const restored = await read(last);
    expect(restored.status).toBe(200);
    expect(restored.turns.find((t) => t.answer_id === last.answerId)?.answer).toBe(last.answer);
    // An answer acknowledged after the backup is not there: the service reads the copy.
    const later = after.at(-1)!;
    const gone = await read(later);
    expect(gone.status === 404 || !gone.turns.some((t) => t.answer_id === later.answerId && t.answer === later.answer)).toBe(true);
  });
});

describe('npm run db:backup refuses clearly', () => {
  const live = () => {
    const dir = mkdtempSync(join(tmpdir(), 'mianshi-backup-'));
    const path = join(dir, 'live.db');
    openDatabase(path).$client.close();
    return { dir, path };
  };

  it('to overwrite a file, unless --force; with --force it replaces it, stale -wal and all', { timeout: 60_000 }, async () => {
    const { dir, path } = live();
    const target = join(dir, 'backup.db');
    writeFileSync(target, 'an older backup');
    writeFileSync(`${target}-wal`, 'a stale write-ahead log');
    const refused = await backup(path, target);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`db:backup: ${target} already exists; choose another file, or pass --force to replace it`);
    expect(readFileSync(target, 'utf8')).toBe('an older backup');
    const forced = await backup(path, target, '--force');
    expect(forced.code).toBe(0);
    expect(existsSync(`${target}-wal`)).toBe(false);
    const copy = openDatabase(target);
    expect(copy.$client.pragma('integrity_check', { simple: true })).toBe('ok');
    copy.$client.close();
  });

  it('when there is no database to copy', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mianshi-backup-'));
    const r = await backup(join(dir, 'missing.db'), join(dir, 'backup.db'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`db:backup: no database at ${join(dir, 'missing.db')} (DATABASE_PATH): nothing to back up`);
    expect(existsSync(join(dir, 'missing.db'))).toBe(false); // not created by looking for it
  });

  it('when the target cannot be written', { timeout: 30_000 }, async () => {
    const { dir, path } = live();
    const noFolder = await backup(path, join(dir, 'nope', 'backup.db'));
    expect(noFolder.code).toBe(1);
    expect(noFolder.stderr).toContain(`db:backup: cannot write ${join(dir, 'nope', 'backup.db')}: the folder ${join(dir, 'nope')} does not exist`);
    mkdirSync(join(dir, 'folder'));
    const aFolder = await backup(path, join(dir, 'folder'));
    expect(aFolder.code).toBe(1);
    expect(aFolder.stderr).toContain('it is a folder; give a file name');
    expect(statSync(join(dir, 'folder')).isDirectory()).toBe(true);
  });
});
