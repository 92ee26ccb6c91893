// npm run bench:soak — does the service hold its memory over a long run?
//
// 50 connections answer question after question (deterministic grading) until ANSWERS (50,000)
// answers are in; the server's resident memory is sampled every 5,000. Passes when RSS after the
// last answer is within 20% of RSS after 5,000 (the first 5,000 warm the caches: compiled code,
// rendered bank pages, SQLite's page cache).
import { startServer } from '../test/helpers/server.ts';
import { agent, BENCH_ENV, candidates, load, rssMb } from './client.ts';

const ANSWERS = Number(process.env.ANSWERS ?? 50_000);
const server = await startServer({ SANDBOX_UID_BASE: '62950', ...BENCH_ENV });
const pid = server.process.pid!;
const { answerOnce, state } = candidates(server.url);
const samples: Array<[number, number]> = [];
const started = performance.now();
while (state.answered < ANSWERS) {
  await load(1, answerOnce);
  if (state.answered >= (samples.length + 1) * 5000) {
    samples.push([state.answered, rssMb(pid)]);
    console.log(`${state.answered} answers: RSS ${samples.at(-1)![1].toFixed(0)} MB (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
}
const last: [number, number] = [state.answered, rssMb(pid)];
await server.stop();
agent.destroy();
const first = samples[0]![1];
const growth = (100 * last[1]) / first - 100;
const ok = last[1] <= first * 1.2;
console.log(`RSS after ${last[0]} answers: ${last[1].toFixed(0)} MB vs ${first.toFixed(0)} MB after 5,000: ${growth >= 0 ? '+' : ''}${growth.toFixed(1)}% (target within 20%: ${ok ? 'ok' : 'MISSED'})`);
if (!ok) process.exitCode = 1;
