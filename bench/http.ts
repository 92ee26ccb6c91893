// npm run bench:http
//
// The answer endpoint under load, against a bare Hono handler measured in the same run (this
// machine is noisy; only the ratio means much), deterministic grading, 50 connections:
//   - answers per second >= 50% of the bare handler's requests per second; answer p99 <= 100 ms
//   - page GETs (the chat page, the bank) p99 <= 20 ms
//   - server memory flat across 10,000 answers (RSS after 10k within 20% of after 5k)
// A second baseline, the same handler plus one SQLite INSERT, shows the ceiling for any endpoint
// that stores an answer before it replies. Every server runs as its own process; the load comes
// from keep-alive HTTP clients here.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startServer } from '../test/helpers/server.ts';
import { agent, ANSWER, BENCH_ENV, call, candidates, CONNECTIONS, load, pct, rssMb } from './client.ts';

const SECONDS = 10;

/** A baseline server in its own process, loaded like mianshi; its requests per second. */
async function baseline(source: string): Promise<number> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--input-type=module', '-e', source.replaceAll('PORT', String(port))], { stdio: 'ignore', cwd: process.cwd() });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      await call(url, 'POST', '/answers', { answer: 'x' });
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const results = await load(SECONDS, () => call(url, 'POST', '/answers', { answer: ANSWER }));
  child.kill();
  return results.length / SECONDS;
}

// 1. The baseline: a bare Hono handler that reads a JSON body and answers JSON.
const SERVE = `import { serve } from '@hono/node-server'; serve({ fetch: app.fetch, port: PORT, hostname: '127.0.0.1' });`;
const bareRps = await baseline(
  `import { Hono } from 'hono'; const app = new Hono();
   app.post('/answers', async (c) => c.json({ ok: true, got: (await c.req.json()).answer.length })); ${SERVE}`,
);
// And the ceiling for any endpoint that stores the answer before it answers: the same handler
// with one INSERT into SQLite (WAL, synchronous=NORMAL, as mianshi opens it).
const dbDir = mkdtempSync(join(tmpdir(), 'mianshi-bench-'));
const insertRps = await baseline(
  `import { Hono } from 'hono'; import Database from 'better-sqlite3';
   const db = new Database(${JSON.stringify(join(dbDir, 'b.db'))}); db.pragma('journal_mode = WAL'); db.pragma('synchronous = NORMAL');
   db.exec('create table answers (id integer primary key, answer text not null)');
   const insert = db.prepare('insert into answers (answer) values (?)');
   const app = new Hono();
   app.post('/answers', async (c) => c.json({ ok: true, id: Number(insert.run((await c.req.json()).answer).lastInsertRowid) })); ${SERVE}`,
);

// 2. mianshi: each connection answers the questions of its own sessions, one after another.
const server = await startServer({ SANDBOX_UID_BASE: '62900', ...BENCH_ENV });
const pid = server.process.pid!;
const base = server.url;
const { answerOnce, state, any } = candidates(base);
const newSession = async () => JSON.parse((await call(base, 'POST', '/api/sessions', { count: 50, kinds: ['concept'] })).body) as { id: string; token: string };

const started = performance.now();
const answered = await load(SECONDS, answerOnce);
const elapsed = (performance.now() - started) / 1000;
const answerRps = answered.length / elapsed;
const answerP99 = pct(answered.map((a) => a.ms), 99);
// 200: graded before answering; 202: stored, graded a moment later (the grader was busy). Both
// are the endpoint doing its job; anything else is an error.
const accepted = answered.filter((a) => a.status === 202).length;
const bad = answered.filter((a) => a.status !== 200 && a.status !== 202).length;

// 3. Page GETs while nothing else runs: first let the grading thread finish the answers it was
// handed above (the 202s), so the pages are measured on their own.
const drainStarted = performance.now();
while (JSON.parse((await call(base, 'GET', '/healthz')).body).grading_queue > 0 && performance.now() - drainStarted < 120_000) await new Promise((r) => setTimeout(r, 200));
const drainSeconds = (performance.now() - drainStarted) / 1000;
const s = any() ?? (await newSession());
const page = await call(base, 'GET', `/s/${s.id}?t=${s.token}`);
const cookie = `s_${s.id}=${s.token}`;
void page;
const getPage = async (chat: boolean) => ({ chat, ...(await call(base, 'GET', chat ? `/s/${s.id}` : '/questions', undefined, { cookie })) });
const pages = await load(5, (w) => getPage(w % 2 === 1));
const chatP99 = pct(pages.filter((p) => p.chat).map((p) => p.ms), 99);
const pageP99 = pct(pages.map((p) => p.ms), 99);
// The same pages at a steady rate (open loop: a request every 1/RATE s whether or not the last is
// back), as users load them: latency without the queue that 50 saturating connections build.
const RATE = 300;
const steady: Array<Promise<{ ms: number }>> = [];
const steadyStart = performance.now();
for (let i = 0; i < RATE * 5; i++) {
  const wait = steadyStart + (i * 1000) / RATE - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  steady.push(getPage(i % 2 === 1));
}
const steadyMs = (await Promise.all(steady)).map((p) => p.ms);

// 4. Memory across 10,000 answers.
const rss: Array<[number, number]> = [];
while (state.answered < 10_000) {
  await load(1, answerOnce);
  if (rss.length === 0 || state.answered - rss.at(-1)![0] >= 1000) rss.push([state.answered, rssMb(pid)]);
}
rss.push([state.answered, rssMb(pid)]);
const at5k = rss.find(([n]) => n >= 5000)![1];
const at10k = rss.at(-1)![1];
await server.stop();

const ok = (c: boolean) => (c ? 'ok' : 'MISSED');
console.log(`bare Hono handler: ${bareRps.toFixed(0)} req/s (${CONNECTIONS} connections, ${SECONDS} s); with one SQLite INSERT: ${insertRps.toFixed(0)} req/s (${((100 * insertRps) / bareRps).toFixed(0)}%)`);
console.log(
  `answer endpoint: ${answerRps.toFixed(0)} answers/s = ${((100 * answerRps) / bareRps).toFixed(0)}% of bare (target >= 50%: ${ok(answerRps >= bareRps / 2)}); ` +
    `${((100 * answerRps) / insertRps).toFixed(0)}% of bare + INSERT; p50 ${pct(answered.map((a) => a.ms), 50).toFixed(1)} ms, p99 ${answerP99.toFixed(1)} ms (target <= 100: ${ok(answerP99 <= 100)}); 202 (graded after): ${accepted}; errors: ${bad}`,
);
console.log(`grading caught up ${drainSeconds.toFixed(1)} s after the answer phase`);
console.log(`page GETs: p99 ${pageP99.toFixed(1)} ms over ${pages.length} (chat page p99 ${chatP99.toFixed(1)} ms) (target <= 20: ${ok(pageP99 <= 20)})`);
console.log(`page GETs at a steady ${RATE}/s (not saturating): p50 ${pct(steadyMs, 50).toFixed(1)} ms, p99 ${pct(steadyMs, 99).toFixed(1)} ms`);
console.log(`server RSS: ${rss.map(([n, mb]) => `${n}:${mb.toFixed(0)}MB`).join(' ')}; 10k vs 5k: ${((100 * at10k) / at5k - 100).toFixed(1)}% (target within 20%: ${ok(at10k <= at5k * 1.2)})`);
if (bad > 0 || answerRps < bareRps / 2 || answerP99 > 100 || pageP99 > 20 || at10k > at5k * 1.2) process.exitCode = 1;
agent.destroy();
