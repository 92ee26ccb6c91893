// Every query the interview runs, prepared once: a drizzle query built per call costs ~50 µs of
// JavaScript, prepared ~4 µs, and the answer endpoint runs several (see bench/http.ts).
import { and, count, desc, eq, getTableColumns, isNull, sql } from 'drizzle-orm';
import type { Statement } from 'better-sqlite3';
import type { SQLiteUpdateSetSource } from 'drizzle-orm/sqlite-core';
import type { Db } from '../db/index.ts';
import { grades, sessions, signals, turns } from '../db/schema.ts';

const p = (name: string) => sql.placeholder(name);

export function prepareQueries(db: Db) {
  // Every change to a grade is to one grade (:id) and stamps when (:at).
  const updateGrade = (set: Partial<typeof grades.$inferInsert>) =>
    db
      .update(grades)
      .set({ ...set, updatedAt: p('at') as never })
      .where(eq(grades.id, p('id')))
      .prepare();
  // A session or a turn is changed one at a time too (:id).
  const updateSession = (set: SQLiteUpdateSetSource<typeof sessions>) => db.update(sessions).set(set).where(eq(sessions.id, p('id'))).prepare();
  const updateTurn = (set: SQLiteUpdateSetSource<typeof turns>) => db.update(turns).set(set).where(eq(turns.id, p('id'))).prepare();
  // A grade without its JSON (result, flags): what a page needs to know whether it changed.
  const { result: _result, flags: _flags, ...gradeState } = getTableColumns(grades);
  /** An INSERT of every column of `table`, each from the placeholder of the same name. */
  const insertAll = <T extends typeof turns | typeof grades>(table: T) =>
    db
      .insert(table)
      .values(Object.fromEntries(Object.keys(getTableColumns(table)).map((k) => [k, p(k)])) as never)
      .prepare();
  return {
    insertTurn: insertAll(turns),
    insertGrade: insertAll(grades),
    sessionById: db.select().from(sessions).where(eq(sessions.id, p('id'))).prepare(),
    finishSession: updateSession({ status: 'finished', finishedAt: p('at') as never }),

    turnById: db.select().from(turns).where(eq(turns.id, p('id'))).prepare(),
    turnsOf: db.select().from(turns).where(eq(turns.sessionId, p('sid'))).orderBy(turns.seq).prepare(),
    currentTurn: db.select().from(turns).where(eq(turns.sessionId, p('sid'))).orderBy(desc(turns.seq)).limit(1).prepare(),
    turnByKey: db
      .select()
      .from(turns)
      .where(and(eq(turns.sessionId, p('sid')), eq(turns.idempotencyKey, p('key'))))
      .prepare(),
    plannedAsked: db
      .select({ n: count() })
      .from(turns)
      .where(and(eq(turns.sessionId, p('sid')), isNull(turns.followUpOf)))
      .prepare(),
    answerTurn: updateTurn({
      answer: p('answer') as never,
      language: p('language') as never,
      status: 'answered',
      answeredAt: p('at') as never,
      timeTakenMs: p('ms') as never,
      idempotencyKey: p('key') as never,
      draft: null,
    }),
    skipTurn: updateTurn({ status: 'skipped', draft: null }),
    setDraft: updateTurn({ draft: p('draft') as never }),
    setHints: updateTurn({ hintsUsed: p('n') as never }),

    gradeById: db.select().from(grades).where(eq(grades.id, p('id'))).prepare(),
    // The grade a turn got when it was answered; regrades (review) are kept beside it, not over it.
    gradeOfTurn: db
      .select()
      .from(grades)
      .where(and(eq(grades.turnId, p('tid')), eq(grades.origin, 'answer')))
      .orderBy(desc(grades.createdAt))
      .limit(1)
      .prepare(),
    gradeStatesOfSession: db
      .select(gradeState)
      .from(grades)
      .innerJoin(turns, eq(grades.turnId, turns.id))
      .where(and(eq(turns.sessionId, p('sid')), eq(grades.origin, 'answer')))
      .orderBy(grades.createdAt)
      .prepare(),
    gradesOfSession: db
      .select({ grade: grades })
      .from(grades)
      .innerJoin(turns, eq(grades.turnId, turns.id))
      .where(and(eq(turns.sessionId, p('sid')), eq(grades.origin, 'answer')))
      .orderBy(grades.createdAt)
      .prepare(),
    sessionOfGrade: db
      .select({ sid: turns.sessionId })
      .from(grades)
      .innerJoin(turns, eq(grades.turnId, turns.id))
      .where(eq(grades.id, p('id')))
      .prepare(),
    setTokenHash: updateSession({ tokenHash: p('hash') as never }),
    setPlan: updateSession({ plan: p('plan') as never }),
    setPaused: updateSession({ pausedAt: p('at') as never }),
    setShareDraft: updateSession({ shareDraft: p('share') as never }),
    addPausedMs: updateTurn({ pausedMs: sql`${turns.pausedMs} + ${p('ms')}` }),
    signalCount: db
      .select({ n: count() })
      .from(signals)
      .where(eq(signals.sessionId, p('sid')))
      .prepare(),
    signalsOf: db.select().from(signals).where(eq(signals.sessionId, p('sid'))).orderBy(signals.at).prepare(),
    pendingGrades: db.select({ id: grades.id }).from(grades).where(eq(grades.status, 'pending')).prepare(),
    gradeAttempt: updateGrade({ attempts: p('attempts') as never }),
    gradePartial: updateGrade({ result: p('result') as never }),
    gradeDone: updateGrade({
      status: 'done',
      score: p('score') as never,
      maxScore: p('max') as never,
      grader: p('grader') as never,
      model: p('model') as never,
      promptVersion: p('promptVersion') as never,
      rubricHash: p('rubricHash') as never,
      result: p('result') as never,
      flags: p('flags') as never,
      error: p('error') as never,
    }),
    gradeError: updateGrade({ error: p('error') as never }),
    gradeFailed: updateGrade({ status: 'failed', error: p('error') as never }),
  };
}

export type Queries = ReturnType<typeof prepareQueries>;

const controls = new WeakMap<Db['$client'], { begin: Statement; commit: Statement; rollback: Statement }>();

/**
 * Run `fn` in one SQLite transaction (or inside the one already open). BEGIN IMMEDIATE takes the
 * write lock up front, so a busy database makes this wait (busy_timeout) rather than fail halfway.
 * Hand-rolled because better-sqlite3's transaction() builds a new wrapper per call (~30 µs).
 */
export function inTransaction<T>(db: Db, fn: () => T): T {
  const client = db.$client;
  if (client.inTransaction) return fn();
  let c = controls.get(client);
  if (!c) controls.set(client, (c = { begin: client.prepare('BEGIN IMMEDIATE'), commit: client.prepare('COMMIT'), rollback: client.prepare('ROLLBACK') }));
  c.begin.run();
  try {
    const out = fn();
    c.commit.run();
    return out;
  } catch (e) {
    if (client.inTransaction) c.rollback.run();
    throw e;
  }
}
