// Grading on worker threads, so the request loop only stores answers and serves pages. The checks
// are CPU work (0.3–3.5 ms an answer, more for a pathological one), and a grade that never ends
// (a runaway regular expression, a wedged judge) must not stall every candidate: a grade that
// takes longer than `timeoutMs` ends its thread, which is started again, and the grade is retried
// by the runner like any failed attempt.
//
// Each thread builds its own grading parts from the configuration (sandbox, judge, corpus
// statistics); its sandbox gets uids of its own.
import { Worker } from 'node:worker_threads';
import type { Config } from '../config.ts';
import type { GradeInput, Stage } from './grade.ts';
import type { JudgeOptions } from './judge.ts';
import type { Grade } from './types.ts';

/** What the main thread sends a grading thread, and what comes back. */
export type ToThread = { id: number; input: GradeInput };
export type FromThread =
  | { id: number; type: 'stage'; stage: Stage }
  | { id: number; type: 'done'; grade: Grade }
  | { id: number; type: 'error'; message: string }
  | { type: 'llm_failure'; kind: Parameters<NonNullable<JudgeOptions['onFailure']>>[0]; status?: number };

export interface ThreadData {
  config: Config;
  /** Added to SANDBOX_UID_BASE for this thread's sandbox. */
  uidOffset: number;
}

// The service runs TypeScript through tsx, and Node 20 will not start a worker from a .ts file
// even with tsx's loader flags; so the thread starts as a line of JavaScript that registers tsx
// and then imports thread.ts.
const THREAD_ENTRY = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); return import(${JSON.stringify(new URL('./thread.ts', import.meta.url).href)}); })`;

/** Where thread i's sandbox uids start, past the main thread's own (used by /healthz). */
export const threadUidOffset = (i: number, slots: number) => 100 + i * slots;

interface Pending {
  resolve: (g: Grade) => void;
  reject: (e: Error) => void;
  onStage?: (s: Stage) => void;
  timer: NodeJS.Timeout;
}

interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
  startedAt: number;
}

interface Request {
  id: number;
  input: GradeInput;
  pending: Pending;
}

/** A thread that dies within this long of starting is started again only after a pause, doubling. */
const QUICK_DEATH_MS = 5000;
const MAX_PAUSE_MS = 30_000;

export class GradingThreads {
  /** Undefined while a thread that died young waits to be started again. */
  private threads: Array<Thread | undefined> = [];
  /** Per thread: the pause before starting it again after it died young. */
  private pause: number[] = [];
  /** Grades asked for while no thread was up. */
  private waiting: Request[] = [];
  private nextId = 1;
  private closed = false;
  /** Every failed LLM attempt in any thread (for /metrics). */
  onLlmFailure: JudgeOptions['onFailure'];

  constructor(
    private config: Config,
    readonly size: number,
    readonly timeoutMs = 300_000,
  ) {
    for (let i = 0; i < size; i++) this.threads.push(this.start(i));
  }

  /** Grade one answer on the least busy thread; `onStage` hears the checks before the judge. */
  grade(input: GradeInput, onStage?: (s: Stage) => void): Promise<Grade> {
    if (this.closed) return Promise.reject(new Error('grading threads are closed'));
    return new Promise<Grade>((resolve, reject) => {
      const id = this.nextId++;
      const request: Request = { id, input, pending: { resolve, reject, onStage, timer: undefined! } };
      this.send(request);
    });
  }

  /** How many grades each thread is working on. */
  get busy(): number[] {
    return this.threads.map((t) => t?.pending.size ?? 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const r of this.waiting.splice(0)) r.pending.reject(new Error('grading threads are closing'));
    await Promise.all(this.threads.map((t) => t && this.fail(t, 'grading threads are closing').worker.terminate()));
  }

  private send(r: Request) {
    let best: number | undefined;
    this.threads.forEach((t, j) => {
      if (t && (best === undefined || t.pending.size < this.threads[best]!.pending.size)) best = j;
    });
    if (best === undefined) return void this.waiting.push(r);
    const i = best;
    const thread = this.threads[i]!;
    r.pending.timer = setTimeout(() => this.restart(i, thread, `grading took longer than ${this.timeoutMs} ms`, 'ended'), this.timeoutMs);
    thread.pending.set(r.id, r.pending);
    thread.worker.postMessage({ id: r.id, input: r.input } satisfies ToThread);
  }

  private start(i: number): Thread {
    const data: ThreadData = { config: this.config, uidOffset: threadUidOffset(i, this.config.SANDBOX_SLOTS) };
    const worker = new Worker(THREAD_ENTRY, { eval: true, workerData: data });
    const thread: Thread = { worker, pending: new Map(), startedAt: Date.now() };
    worker.on('message', (m: FromThread) => {
      if (m.type === 'llm_failure') return this.onLlmFailure?.(m.kind, m.status);
      const p = thread.pending.get(m.id);
      if (!p) return;
      if (m.type === 'stage') return p.onStage?.(m.stage);
      thread.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.type === 'done') p.resolve(m.grade);
      else p.reject(new Error(m.message));
    });
    // A thread that dies takes its grades with it (the runner retries them), and comes back.
    worker.on('error', (e) => this.restart(i, thread, `grading thread crashed: ${e.message}`));
    worker.on('exit', (code) => this.restart(i, thread, `grading thread exited (${code})`));
    worker.unref();
    for (const r of this.waiting.splice(0)) queueMicrotask(() => this.send(r));
    return thread;
  }

  /** `ended`: we stopped it (a grade ran too long), so it starts again at once; `died`: it failed on its own. */
  private restart(i: number, thread: Thread, reason: string, how: 'died' | 'ended' = 'died') {
    if (this.closed || this.threads[i] !== thread) return; // already replaced
    this.threads[i] = undefined;
    this.fail(thread, reason);
    void thread.worker.terminate();
    // A thread that cannot even start (a broken install) must not be restarted in a tight loop.
    const young = how === 'died' && Date.now() - thread.startedAt < QUICK_DEATH_MS;
    this.pause[i] = young ? Math.min(MAX_PAUSE_MS, (this.pause[i] || 250) * 2) : 0;
    if (young) console.error(JSON.stringify({ level: 'error', msg: 'grading thread died soon after starting; starting it again after a pause', reason, pauseMs: this.pause[i] }));
    setTimeout(() => {
      if (!this.closed && this.threads[i] === undefined) this.threads[i] = this.start(i);
    }, this.pause[i]).unref();
  }

  private fail(thread: Thread, reason: string): Thread {
    for (const p of thread.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(reason));
    }
    thread.pending.clear();
    return thread;
  }
}
