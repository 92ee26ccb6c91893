// One grading thread (see threads.ts): builds the grading parts once, then grades what the main
// thread sends, reporting each stage as it finishes.
import { parentPort, workerData } from 'node:worker_threads';
import { BankStore } from '../bank/store.ts';
import { statsFor } from './batch.ts';
import { gradingParts } from './deps.ts';
import { gradeAnswer } from './grade.ts';
import type { FromThread, ThreadData, ToThread } from './threads.ts';

const { config, uidOffset } = workerData as ThreadData;
const port = parentPort!;
const send = (m: FromThread) => port.postMessage(m);

const parts = gradingParts(config, uidOffset, (kind, status) => send({ type: 'llm_failure', kind, status }));
parts.stats = statsFor(BankStore.load(config.BANK_PATH));

port.on('message', ({ id, input }: ToThread) => {
  gradeAnswer(input, parts, (stage) => send({ id, type: 'stage', stage }))
    .then((grade) => send({ id, type: 'done', grade }))
    .catch((e: Error) => send({ id, type: 'error', message: e.message }));
});
