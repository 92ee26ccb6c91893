// Grades answers after they are stored, a few at a time, and tells whoever is watching as each
// stage finishes (checks, then the judge). A grade row is pending until done or failed; a crash
// leaves it pending, and the next start picks it up again (resumePending).
import type { Db } from '../db/index.ts';
import type { GradeInput, Stage } from '../grading/grade.ts';
import type { Grade } from '../grading/types.ts';
import { prepareQueries, type Queries } from './queries.ts';

/** A grade's stages; `retry` is an attempt that failed and will be tried again, `failed` is final. */
export type GradeEvent = { stage: 'checks' | 'judge' | 'done'; grade: Grade } | { stage: 'failed' | 'retry'; error: string };

/** How a stored turn becomes a grading input (its rubric, question and answer). */
export type InputFor = (turnId: string) => GradeInput | undefined;

/** What grades: gradeAnswer on this thread, or a grading thread (src/grading/threads.ts). */
export type Grader = (input: GradeInput, onStage: (s: Stage) => void) => Promise<Grade>;

/** Attempts before a grade that keeps crashing the grader is marked failed for good. */
const MAX_ATTEMPTS = 3;
/** The pause before attempt n+1 is n times this. */
const RETRY_DELAY_MS = 1000;

export class GradeRunner {
  private queue: string[] = [];
  /** Grades waiting out the pause before their next attempt. */
  private retrying = 0;
  private running = 0;
  private listeners = new Map<string, Set<(e: GradeEvent) => void>>();
  private watchers: Array<(gradeId: string, e: GradeEvent) => void> = [];
  private idleWaiters: Array<() => void> = [];
  private q: Queries;

  constructor(
    db: Db,
    private inputFor: InputFor,
    private grader: Grader,
    readonly concurrency = 4,
    private now: () => number = Date.now,
  ) {
    this.q = prepareQueries(db);
  }

  enqueue(gradeId: string): void {
    if (this.queue.includes(gradeId)) return;
    this.queue.push(gradeId);
    this.pump();
  }

  /** Grades left pending by a crash or a restart. */
  resumePending(): number {
    const pending = this.q.pendingGrades.all();
    for (const g of pending) this.enqueue(g.id);
    return pending.length;
  }

  /** Listen to one grade's stages; returns the function that stops listening. */
  subscribe(gradeId: string, listener: (e: GradeEvent) => void): () => void {
    const set = this.listeners.get(gradeId) ?? new Set();
    set.add(listener);
    this.listeners.set(gradeId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(gradeId);
    };
  }

  /** Listen to every grade's stages (the live view follows whole sessions). */
  watch(watcher: (gradeId: string, e: GradeEvent) => void): void {
    this.watchers.push(watcher);
  }

  get depth(): number {
    return this.queue.length + this.running + this.retrying;
  }

  /** Resolves when nothing is queued or running (tests, shutdown). */
  idle(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private emit(gradeId: string, e: GradeEvent) {
    for (const l of this.listeners.get(gradeId) ?? []) l(e);
    for (const w of this.watchers) w(gradeId, e);
  }

  private pump() {
    while (this.running < this.concurrency && this.queue.length) {
      const id = this.queue.shift()!;
      this.running++;
      this.run(id)
        .catch((e) => console.error(JSON.stringify({ level: 'error', msg: 'grader crashed', grade: id, error: String(e) })))
        .finally(() => {
          this.running--;
          this.pump();
          if (this.depth === 0) for (const w of this.idleWaiters.splice(0)) w();
        });
    }
  }

  private async run(gradeId: string): Promise<void> {
    const row = this.q.gradeById.get({ id: gradeId });
    if (!row || row.status !== 'pending') return;
    const attempts = row.attempts + 1;
    this.q.gradeAttempt.run({ id: gradeId, attempts, at: this.now() });
    const input = this.inputFor(row.turnId);
    if (!input) return this.fail(gradeId, 'the answer or its question is gone');
    try {
      const grade = await this.grader(input, (s) => {
        if (s.stage === 'checks' && !s.grade.flags.includes('llm_unavailable')) {
          // Keep what the checks found, so a reload while the judge thinks shows it.
          this.q.gradePartial.run({ id: gradeId, result: s.grade, at: this.now() });
        }
        this.emit(gradeId, { stage: s.stage, grade: s.grade });
      });
      this.q.gradeDone.run({
        id: gradeId,
        score: grade.score,
        max: grade.max,
        grader: grade.grader,
        model: grade.model ?? null,
        promptVersion: grade.promptVersion ?? null,
        rubricHash: grade.rubricHash,
        result: grade,
        flags: grade.flags,
        error: grade.judgeError ?? null,
        at: this.now(),
      });
      this.emit(gradeId, { stage: 'done', grade });
    } catch (e) {
      // Not a bad answer: a bug, or a grading thread that died or ran out of time. Try again a
      // little later (the grade stays pending meanwhile); give up after a few attempts.
      const error = `grading failed: ${(e as Error).message}`;
      if (attempts >= MAX_ATTEMPTS) return this.fail(gradeId, error);
      this.q.gradeError.run({ id: gradeId, error, at: this.now() });
      this.emit(gradeId, { stage: 'retry', error });
      this.retrying++;
      setTimeout(() => {
        this.retrying--;
        this.enqueue(gradeId);
      }, RETRY_DELAY_MS * attempts).unref();
    }
  }

  private fail(gradeId: string, error: string) {
    this.q.gradeFailed.run({ id: gradeId, error, at: this.now() });
    this.emit(gradeId, { stage: 'failed', error });
  }
}
