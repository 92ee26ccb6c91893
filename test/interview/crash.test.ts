import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.ts';

const json = (body: unknown, token?: string) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  body: JSON.stringify(body),
});

describe('kill -9', () => {
  it('loses no submitted answer, and grades left pending are graded after a restart', async () => {
    const env = { SANDBOX_UID_BASE: '61920' };
    let server = await startServer(env);
    const acknowledged: Array<{ session: string; answerId: string }> = [];
    const sessions: Array<{ id: string; token: string }> = [];
    for (let i = 0; i < 4; i++) {
      const r = await fetch(`${server.url}/api/sessions`, json({ count: 3, kinds: ['concept'] }));
      sessions.push((await r.json()) as { id: string; token: string });
    }

    // Answer as fast as possible and kill the server in the middle of it, three times.
    for (let round = 0; round < 3; round++) {
      const answering = Promise.allSettled(
        sessions.flatMap((s) =>
          Array.from({ length: 3 }, async (_, k) => {
            const res = await fetch(`${server.url}/api/sessions/${s.id}/answers`, json({ answer: `第 ${round} 轮第 ${k} 次：分布式锁要互斥、要有过期时间，释放时比较 token。`, idempotency_key: `${round}-${k}` }, s.token));
            if (res.status === 200 || res.status === 202) acknowledged.push({ session: s.id, answerId: ((await res.json()) as { answer_id: string }).answer_id });
            await fetch(`${server.url}/api/sessions/${s.id}/next`, json({}, s.token));
          }),
        ),
      );
      // Kill while answers are still coming: once the first of this round is acknowledged (the
      // grading thread may take a moment to start), a few milliseconds later.
      const before = acknowledged.length;
      for (const until = Date.now() + 5000; acknowledged.length === before && Date.now() < until; ) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 5 + round * 10));
      await server.stop('SIGKILL');
      await answering;
      server = await startServer(env, server.dbPath);
    }

    // Every acknowledged answer is stored, exactly once, and every grade gets done.
    const deadline = Date.now() + 15_000;
    let pending = -1;
    while (Date.now() < deadline) {
      const db = new Database(server.dbPath, { readonly: true });
      pending = (db.prepare("select count(*) as n from grades where status = 'pending'").get() as { n: number }).n;
      db.close();
      if (pending === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(pending).toBe(0);
    const db = new Database(server.dbPath, { readonly: true });
    for (const a of acknowledged) {
      const turn = db.prepare('select status, answer from turns where id = ?').get(a.answerId) as { status: string; answer: string } | undefined;
      expect(turn, `answer ${a.answerId} was acknowledged but is not stored`).toMatchObject({ status: 'answered' });
      expect((db.prepare('select count(*) as n from grades where turn_id = ?').get(a.answerId) as { n: number }).n).toBe(1);
    }
    const dupes = db.prepare('select session_id, idempotency_key, count(*) as n from turns where idempotency_key is not null group by 1, 2 having n > 1').all();
    expect(dupes).toEqual([]);
    const failed = db.prepare("select count(*) as n from grades where status = 'failed'").get() as { n: number };
    expect(failed.n).toBe(0);
    db.close();
    expect(acknowledged.length).toBeGreaterThan(0);
    await server.stop();
  }, 90_000);

  it('grades at start what a crash left pending', async () => {
    const env = { SANDBOX_UID_BASE: '61940' };
    let server = await startServer(env);
    const s = (await (await fetch(`${server.url}/api/sessions`, json({ question_ids: ['q_22712696'] }))).json()) as { id: string; token: string };
    const a = (await (await fetch(`${server.url}/api/sessions/${s.id}/answers`, json({ answer: '用 SET key token NX PX 加锁，一条命令是原子的。' }, s.token))).json()) as { answer_id: string };
    await server.stop('SIGKILL');
    // As if the process died after storing the answer and before grading it.
    const db = new Database(server.dbPath);
    db.prepare("update grades set status = 'pending', score = null, result = null where turn_id = ?").run(a.answer_id);
    db.close();
    server = await startServer(env, server.dbPath);
    const deadline = Date.now() + 10_000;
    let status = 'pending';
    while (status === 'pending' && Date.now() < deadline) {
      const r = (await (await fetch(`${server.url}/api/sessions/${s.id}/answers/${a.answer_id}`, { headers: { authorization: `Bearer ${s.token}` } })).json()) as { status: string };
      status = r.status;
      if (status === 'pending') await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe('done');
    expect(server.log()).toContain('resuming grades left pending');
    await server.stop();
  }, 30_000);
});

describe('SIGTERM', () => {
  it('stops within a few seconds even while a live event stream is open', async () => {
    const server = await startServer({ SANDBOX_UID_BASE: '61945' });
    const s = (await (await fetch(`${server.url}/api/sessions`, json({ question_ids: ['q_22712696'] }))).json()) as { id: string; token: string };
    // The candidate page's event stream stays open until the client leaves.
    const stream = await fetch(`${server.url}/s/${s.id}/events`, { headers: { cookie: `s_${s.id}=${s.token}` } });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const started = Date.now();
    await server.stop('SIGTERM');
    expect(Date.now() - started).toBeLessThan(8000);
    expect(server.process.exitCode).toBe(0);
  }, 30_000);
});
