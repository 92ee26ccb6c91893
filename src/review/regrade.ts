// Re-grading a finished interview with today's rubrics and grader. The grade the candidate got is
// kept as it was; each regrade is a new grade row (origin "regrade") beside it, so a reviewer can
// see what changed when a rubric was corrected, and why.
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { grades, turns } from '../db/schema.ts';
import type { Grade, KeyPointStatus } from '../grading/types.ts';
import type { GradeRunner } from '../interview/grader.ts';
import { pendingGrade, type GradeRow } from '../interview/session.ts';

/**
 * Queue a regrade of every answered turn of a session. A turn whose regrade is still pending is
 * left alone (pressing the button twice does not grade twice). Returns the new grade ids.
 */
export function regradeSession(db: Db, runner: GradeRunner, sessionId: string, now: () => number = Date.now): string[] {
  const answered = db
    .select({ id: turns.id, hintsUsed: turns.hintsUsed })
    .from(turns)
    .where(and(eq(turns.sessionId, sessionId), eq(turns.status, 'answered')))
    .orderBy(turns.seq)
    .all();
  const busy = new Set(
    db
      .select({ turnId: grades.turnId })
      .from(grades)
      .innerJoin(turns, eq(grades.turnId, turns.id))
      .where(and(eq(turns.sessionId, sessionId), eq(grades.origin, 'regrade'), eq(grades.status, 'pending')))
      .all()
      .map((r) => r.turnId),
  );
  const at = now();
  const rows: GradeRow[] = answered
    .filter((t) => !busy.has(t.id))
    .map((t) => pendingGrade(t, 'regrade', at));
  if (rows.length) db.insert(grades).values(rows).run();
  // The runner grades from interviews.gradeInput: the turn's answer with today's rubric.
  for (const r of rows) runner.enqueue(r.id);
  return rows.map((r) => r.id);
}

/** The latest regrade of each turn of a session, by turn id. */
export function latestRegrades(db: Db, sessionId: string): Map<string, GradeRow> {
  const rows = db
    .select({ grade: grades })
    .from(grades)
    .innerJoin(turns, eq(grades.turnId, turns.id))
    .where(and(eq(turns.sessionId, sessionId), eq(grades.origin, 'regrade')))
    .orderBy(grades.createdAt, sql`${grades}.rowid`)
    .all();
  const out = new Map<string, GradeRow>();
  for (const { grade } of rows) out.set(grade.turnId, grade);
  return out;
}

/** Which grader and rubric made a grade: what explains a difference between two. */
export interface GradeOrigin {
  rubricHash: string | null;
  grader: string | null;
  model: string | null;
  score: number | null;
  max: number | null;
  at: number;
}

export interface RegradeDiff {
  original: GradeOrigin;
  regrade: GradeOrigin;
  status: GradeRow['status'];
  /** regrade − original, once both are done. */
  scoreDelta?: number;
  rubricChanged: boolean;
  /** Key points whose status differs; a point only one rubric has shows undefined on the other side. */
  keyPoints: Array<{ id: string; point: string; before?: KeyPointStatus; after?: KeyPointStatus }>;
}

const originOf = (g: GradeRow): GradeOrigin => ({ rubricHash: g.rubricHash, grader: g.grader, model: g.model, score: g.score, max: g.maxScore, at: g.updatedAt });

/** The original grade against its latest regrade. */
export function compareGrades(original: GradeRow, regrade: GradeRow): RegradeDiff {
  const a = original.status === 'done' ? (original.result as unknown as Grade | null) : null;
  const b = regrade.status === 'done' ? (regrade.result as unknown as Grade | null) : null;
  const keyPoints: RegradeDiff['keyPoints'] = [];
  if (a && b) {
    const after = new Map(b.keyPoints.map((k) => [k.id, k]));
    for (const k of a.keyPoints) {
      const n = after.get(k.id);
      if (n?.status !== k.status) keyPoints.push({ id: k.id, point: n?.point ?? k.point, before: k.status, after: n?.status });
      after.delete(k.id);
    }
    for (const n of after.values()) keyPoints.push({ id: n.id, point: n.point, after: n.status });
  }
  return {
    original: originOf(original),
    regrade: originOf(regrade),
    status: regrade.status,
    ...(a && b ? { scoreDelta: Math.round((b.score - a.score) * 10) / 10 } : {}),
    rubricChanged: !!a && !!b && a.rubricHash !== b.rubricHash,
    keyPoints,
  };
}
