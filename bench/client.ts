// What the HTTP benchmarks share: a keep-alive client with timings, a closed-loop load generator,
// percentiles, a process's resident memory, and a candidate who answers question after question.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

export const CONNECTIONS = 50;
export const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });

export interface Res {
  status: number;
  body: string;
  ms: number;
}

export function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, agent, headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...headers } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data, ms: performance.now() - started }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

/** Run `work` on every connection until `seconds` pass; returns what each call measured. */
export async function load<T>(seconds: number, work: (worker: number) => Promise<T>): Promise<T[]> {
  const until = performance.now() + seconds * 1000;
  const out: T[] = [];
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, w) => {
      while (performance.now() < until) out.push(await work(w));
    }),
  );
  return out;
}

export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

export const ANSWER = '分布式锁要保证互斥：用 Redis 的 SET key token NX PX 30000 一条命令加锁，设置值和过期时间是原子的；释放时用 Lua 脚本比较 token 再删除，避免误删别人的锁；持有者崩溃时锁会过期释放。';

/** Settings for a service under a benchmark: one address plays every candidate, so per-address and per-session limits go out of the way. */
export const BENCH_ENV = { RATE_SESSIONS_PER_MINUTE: '10000000', RATE_ANSWERS_PER_MINUTE: '10000000' };

/**
 * Candidates answering on every connection: each answers its session's questions one after
 * another (answer, then next), with a new session when one runs out. `answered` counts answers.
 */
export function candidates(base: string) {
  const slots: Array<{ id: string; token: string; answerId: string } | undefined> = [];
  const state = { answered: 0 };
  async function answerOnce(w: number): Promise<{ ms: number; status: number }> {
    if (!slots[w]) {
      const r = JSON.parse((await call(base, 'POST', '/api/sessions', { count: 50, kinds: ['concept'] })).body);
      slots[w] = { id: r.id, token: r.token, answerId: r.answer_id };
    }
    const s = slots[w]!;
    const auth = { authorization: `Bearer ${s.token}` };
    const r = await call(base, 'POST', `/api/sessions/${s.id}/answers`, { answer: ANSWER }, auth);
    state.answered++;
    const n = await call(base, 'POST', `/api/sessions/${s.id}/next`, { after: s.answerId }, auth);
    if (n.body.includes('"finished":true')) slots[w] = undefined;
    else s.answerId = JSON.parse(n.body).answer_id;
    return { ms: r.ms, status: r.status };
  }
  return { answerOnce, state, any: () => slots.find(Boolean) };
}
