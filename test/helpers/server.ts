// A real mianshi process on 127.0.0.1, for tests that need one (kill -9, a browser).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './sources.ts';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface Server {
  url: string;
  dbPath: string;
  process: ChildProcess;
  log: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Start `src/main.ts` with its own database (kept across restarts when `dbPath` is given). */
export async function startServer(env: Record<string, string> = {}, dbPath?: string): Promise<Server> {
  // A restart can keep its port (env.PORT), so clients find it again.
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const db = dbPath ?? join(mkdtempSync(join(tmpdir(), 'mianshi-server-')), 'mianshi.db');
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH!, PORT: String(port), HOST: '127.0.0.1', DATABASE_PATH: db, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A test that fails before stop() must not leave a server running after the test run: killed
  // when the test ends (inside a vitest test) and when this process exits.
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (process.env.VITEST) {
    const { onTestFinished } = await import('vitest');
    try {
      onTestFinished(() => void (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')));
    } catch {
      // Started in beforeAll: its afterAll stops it.
    }
  }
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    dbPath: db,
    process: child,
    log: () => output,
    stop: (signal: NodeJS.Signals = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}
