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
}

export class GradingThreads {
  private threads: Thread[] = [];
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
    const i = this.threads.reduce((best, t, j) => (t.pending.size < this.threads[best]!.pending.size ? j : best), 0);
    const thread = this.threads[i]!;
    const id = this.nextId++;
    return new Promise<Grade>((resolve, reject) => {
      const timer = setTimeout(() => this.restart(i, `grading took longer than ${this.timeoutMs} ms`), this.timeoutMs);
      thread.pending.set(id, { resolve, reject, onStage, timer });
      thread.worker.postMessage({ id, input } satisfies ToThread);
    });
  }

  /** How many grades each thread is working on. */
  get busy(): number[] {
    return this.threads.map((t) => t.pending.size);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((t) => this.fail(t, 'grading threads are closing').worker.terminate()));
  }

  private start(i: number): Thread {
    const data: ThreadData = { config: this.config, uidOffset: threadUidOffset(i, this.config.SANDBOX_SLOTS) };
    const worker = new Worker(THREAD_ENTRY, { eval: true, workerData: data });
    const thread: Thread = { worker, pending: new Map() };
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
    // A thread that dies takes its grades with it; they are retried, and the thread comes back.
    worker.on('error', (e) => this.restart(i, `grading thread crashed: ${e.message}`));
    worker.on('exit', (code) => {
      if (!this.closed && this.threads[i] === thread) this.restart(i, `grading thread exited (${code})`);
    });
    worker.unref();
    return thread;
  }

  private restart(i: number, reason: string) {
    const old = this.threads[i]!;
    if (this.closed) return;
    this.threads[i] = this.start(i);
    this.fail(old, reason);
    void old.worker.terminate();
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
