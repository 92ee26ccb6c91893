// npm run bench:load — many candidates at once, a flaky LLM, and a service killed mid-run.
//
// CANDIDATES (200) simulated candidates take interviews through the JSON API for SECONDS (120),
// against a fake OpenAI-compatible server on 127.0.0.1 that answers in 1-3 s, fails 10% of calls
// (429 or 500) and sends malformed JSON for 5%. The service is killed with SIGKILL three times
// and restarted on the same database. Each answer carries an idempotency key and a client retries
// whatever a kill interrupted, as a real front end would. Afterwards, from the database itself:
// every submitted answer is stored exactly once, every grade is done (by the judge, or by the
// checks with the fallback labelled), and no SQLITE_BUSY reached a client. Prints answers
// submitted / stored / graded, errors, and p50/p99 latency per endpoint; exits 1 if a check fails.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/db/index.ts';
import { chatCompletion, errorBody, startFakeOpenAI } from '../test/helpers/fake-openai.ts';
import { freePort, startServer, type Server } from '../test/helpers/server.ts';

const CANDIDATES = Number(process.env.CANDIDATES ?? 200);
const SECONDS = Number(process.env.SECONDS ?? 120);
const KILLS = Number(process.env.KILLS ?? 3);

// ---- The flaky LLM
const llm = { calls: 0, failed: 0, malformed: 0 };
const fake = await startFakeOpenAI({
  defaultReply: () => {
    llm.calls++;
    const delayMs = 1000 + Math.random() * 2000;
    const roll = Math.random();
    if (roll < 0.1) {
      llm.failed++;
      return roll < 0.05 ? { status: 429, json: errorBody('rate limit reached'), headers: { 'retry-after': '1' }, delayMs } : { status: 500, json: errorBody('internal error'), delayMs };
    }
    if (roll < 0.15) {
      llm.malformed++;
      return { json: chatCompletion('{"keyPoints": [ {"id": "oops"'), delayMs };
    }
    const verdict = { keyPoints: [], misconceptions: [], feedback: { good: ['有条理'], missing: [], wrong: [] }, followUp: '能再具体说说吗？', score: 4 + Math.random() * 5, confidence: 0.7 };
    return { json: chatCompletion(JSON.stringify(verdict)), delayMs };
  },
});

// ---- The service, restartable on the same port and database
const port = await freePort();
const dbPath = join(mkdtempSync(join(tmpdir(), 'mianshi-load-')), 'mianshi.db');
const env = {
  PORT: String(port),
  OPENAI_API_KEY: 'load-test',
  OPENAI_BASE_URL: fake.url,
  LLM_TIMEOUT_MS: '10000',
  GRADING_CONCURRENCY: '128',
  SANDBOX_UID_BASE: '63100',
  // One address plays 200 candidates here; a real one would be 200 addresses.
  RATE_SESSIONS_PER_MINUTE: '100000',
};
let server: Server = await startServer(env, dbPath);
let logs = server.log();
const base = server.url;

// ---- An HTTP client that keeps going through kills
const agent = new Agent({ keepAlive: true, maxSockets: CANDIDATES + 10 });
interface Res {
  status: number;
  json: any;
  text: string;
}
const latency = new Map<string, number[]>();
const statuses = new Map<string, number>();
const networkErrors = { count: 0 };
let busyToClient = 0;

function once(method: string, path: string, body: unknown, token?: string): Promise<Res> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      { method, agent, timeout: 30_000, headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let json: any;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, json, text });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One API call, retried through connection errors (a kill) and 429s; timed when it succeeds. */
async function call(endpoint: string, method: string, path: string, body?: unknown, token?: string): Promise<Res> {
  for (;;) {
    const started = performance.now();
    let res: Res;
    try {
      res = await once(method, path, body, token);
    } catch {
      networkErrors.count++;
      await sleep(200 + Math.random() * 300);
      continue;
    }
    const key = `${endpoint} ${res.status}`;
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
    if (res.text.includes('SQLITE_BUSY')) busyToClient++;
    if (res.status === 429) {
      await sleep(1000);
      continue;
    }
    if (res.status < 500) {
      const xs = latency.get(endpoint) ?? [];
      xs.push(performance.now() - started);
      latency.set(endpoint, xs);
    }
    return res;
  }
}

// ---- Candidates
interface Submitted {
  key: string;
  answer: string;
  acknowledged: boolean;
}
const submitted: Submitted[] = [];
const deadline = Date.now() + SECONDS * 1000;
const CODE = 'def solution(*args):\n    # 先处理边界情况，再逐个累加\n    return None\n';

async function candidate(n: number) {
  await sleep(Math.random() * 3000); // people do not all start in the same millisecond
  while (Date.now() < deadline) {
    const s = await call('POST /api/sessions', 'POST', '/api/sessions', { count: 5 });
    if (s.status !== 201) continue;
    let answerId: string = s.json.answer_id;
    let question = s.json.question;
    for (;;) {
      await sleep(2000 + Math.random() * 3000); // reading and typing
      if (Date.now() >= deadline) return;
      const text = question.kind === 'coding' ? CODE : `候选人 ${n} 的回答：${question.title} 的关键在于先说清楚原理，再讲实现和取舍。${randomUUID()}`;
      const entry: Submitted = { key: randomUUID(), answer: text, acknowledged: false };
      submitted.push(entry);
      const a = await call('POST /api/sessions/:id/answers', 'POST', `/api/sessions/${s.json.id}/answers`, { answer: text, idempotency_key: entry.key }, s.json.token);
      entry.acknowledged = a.status === 200 || a.status === 202;
      const next = await call('POST /api/sessions/:id/next', 'POST', `/api/sessions/${s.json.id}/next`, { after: answerId }, s.json.token);
      if (next.json?.finished) {
        await call('GET /api/sessions/:id/transcript', 'GET', `/api/sessions/${s.json.id}/transcript`, undefined, s.json.token);
        break;
      }
      answerId = next.json.answer_id;
      question = next.json.question;
    }
  }
}

// ---- Kills
async function killer() {
  for (let k = 1; k <= KILLS; k++) {
    await sleep((SECONDS * 1000) / (KILLS + 1));
    logs += server.log();
    server.process.kill('SIGKILL');
    await new Promise((r) => server.process.once('exit', r));
    const down = performance.now();
    server = await startServer(env, dbPath);
    console.log(`kill ${k}: SIGKILL at ${Math.round((Date.now() - (deadline - SECONDS * 1000)) / 1000)} s, serving again after ${Math.round(performance.now() - down)} ms`);
  }
}

console.log(`${CANDIDATES} candidates for ${SECONDS} s, ${KILLS} kills; LLM answers in 1-3 s, 10% 429/500, 5% malformed`);
await Promise.all([...Array.from({ length: CANDIDATES }, (_, i) => candidate(i)), killer()]);

// ---- Let grading finish (including grades a kill left pending, resumed at restart)
const drainStarted = Date.now();
for (;;) {
  const h = await call('GET /healthz', 'GET', '/healthz');
  const db = openDatabase(dbPath);
  const pending = (db.$client.prepare("select count(*) as n from grades where status = 'pending'").get() as { n: number }).n;
  db.$client.close();
  if (h.json?.grading_queue === 0 && pending === 0) break;
  if (Date.now() - drainStarted > 300_000) {
    console.log(`grading did not drain in 300 s: ${pending} pending`);
    break;
  }
  await sleep(1000);
}
const drainSeconds = (Date.now() - drainStarted) / 1000;
logs += server.log();
await server.stop();
await fake.close();
agent.destroy();

// ---- What the database says
const db = openDatabase(dbPath);
const byKey = db.$client.prepare('select t.answer, g.status, g.grader, g.flags from turns t left join grades g on g.turn_id = t.id and g.origin = ? where t.idempotency_key = ?');
let stored = 0;
let duplicates = 0;
let lost = 0;
let wrongText = 0;
const graded = { judge: 0, fallback: 0, deterministicUnlabelled: 0, failed: 0, pending: 0 };
for (const s of submitted) {
  const rows = byKey.all('answer', s.key) as Array<{ answer: string; status: string; grader: string; flags: string }>;
  if (rows.length > 1) duplicates++;
  if (rows.length === 0) {
    if (s.acknowledged) lost++;
    continue;
  }
  stored++;
  const r = rows[0]!;
  if (r.answer !== s.answer) wrongText++;
  if (r.status === 'pending') graded.pending++;
  else if (r.status === 'failed') graded.failed++;
  else if (r.grader === 'llm+deterministic') graded.judge++;
  else if (JSON.parse(r.flags).includes('llm_failed')) graded.fallback++;
  else graded.deterministicUnlabelled++;
}
const allAnswers = (db.$client.prepare("select count(*) as n from turns where status = 'answered'").get() as { n: number }).n;
db.$client.close();
const busyInLogs = (logs.match(/SQLITE_BUSY/g) ?? []).length;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const acknowledged = submitted.filter((s) => s.acknowledged).length;
console.log(`\nanswers submitted ${submitted.length}, acknowledged ${acknowledged}, stored ${stored} (answered turns in the database: ${allAnswers}), graded ${graded.judge + graded.fallback} (grading drained ${drainSeconds.toFixed(0)} s after the load stopped)`);
console.log(`  graded by the judge: ${graded.judge}; by the checks after the judge failed (labelled llm_failed): ${graded.fallback}; failed: ${graded.failed}; still pending: ${graded.pending}`);
console.log(`  stored twice: ${duplicates}; acknowledged but not stored: ${lost}; stored with other text: ${wrongText}`);
console.log(`LLM calls ${llm.calls}: ${llm.failed} answered 429/500, ${llm.malformed} malformed`);
console.log(`client connection errors (kills): ${networkErrors.count}; SQLITE_BUSY seen by a client: ${busyToClient}, in the service log: ${busyInLogs}`);
console.log('responses by endpoint and status:');
for (const [k, n] of [...statuses].sort()) console.log(`  ${k}: ${n}`);
console.log('latency (successful calls):');
for (const [endpoint, xs] of [...latency].sort()) console.log(`  ${endpoint}: n=${xs.length} p50 ${pct(xs, 50).toFixed(1)} ms, p99 ${pct(xs, 99).toFixed(1)} ms`);

const fiveHundreds = [...statuses].filter(([k]) => / 5\d\d$/.test(k)).reduce((n, [, v]) => n + v, 0);
const checks: Array<[string, boolean]> = [
  ['every acknowledged answer stored', lost === 0],
  ['no answer stored twice', duplicates === 0],
  ['stored text is what was sent', wrongText === 0],
  ['every grade done, judge or labelled fallback', graded.pending === 0 && graded.failed === 0 && graded.deterministicUnlabelled === 0],
  ['no SQLITE_BUSY reached a client', busyToClient === 0],
  ['no 5xx', fiveHundreds === 0],
];
for (const [what, ok] of checks) console.log(`${ok ? 'ok    ' : 'FAILED'} ${what}`);
if (checks.some(([, ok]) => !ok)) process.exitCode = 1;

