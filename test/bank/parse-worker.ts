// The parser in a worker thread, for fuzz.test.ts.
//
// The parser is synchronous: an input that sends it into a loop or a quadratic regex would
// freeze the test's own thread, and with it the whole run, instead of failing. Here the test
// keeps a watchdog and can terminate the worker, then report which input hung.
import { parentPort } from 'node:worker_threads';
import { buildBank, type DocumentInput } from '../../src/bank/bank.ts';
import { parseDocument } from '../../src/bank/parse.ts';

export type Work =
  | { op: 'parse'; doc: string; text: string }
  /** The build as `bank:build` runs it: decode the bytes, parse, dedup, merge. */
  | { op: 'build'; docs: DocumentInput[] };
export type Job = Work & { id: number };

export type Reply =
  | { id: number; ms: number; ok: true; value: unknown }
  | { id: number; ms: number; ok: false; error: { name: string; message: string; stack?: string } };

parentPort!.on('message', (job: Job) => {
  const started = performance.now();
  try {
    let value: unknown;
    if (job.op === 'parse') {
      value = parseDocument(job.doc, job.text);
    } else {
      const r = buildBank(job.docs);
      value = { bank: r.bank, units: r.units, warnings: r.warnings, errors: r.errors.map((e) => ({ name: e.name, doc: e.doc, message: e.message })) };
    }
    const ms = performance.now() - started;
    parentPort!.postMessage({ id: job.id, ms, ok: true, value } satisfies Reply);
  } catch (e) {
    const ms = performance.now() - started;
    const err = e instanceof Error ? e : new Error(String(e));
    parentPort!.postMessage({ id: job.id, ms, ok: false, error: { name: err.name, message: err.message, stack: err.stack } } satisfies Reply);
  }
});
