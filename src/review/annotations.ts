// What humans add to a graded interview: private notes on a turn, and overrides of the AI grade
// (one key point's status, or the total). Overrides are the audit trail of a grade: rows are only
// ever inserted, each records what the value was before it, and the AI grade itself is never
// touched, so a reviewer can always see what the machine said and every human change to it.
import { randomBytes } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { grades, notes, overrides, turns, users } from '../db/schema.ts';
import type { Grade, KeyPointStatus } from '../grading/types.ts';

export type NoteRow = typeof notes.$inferSelect;
export type OverrideRow = typeof overrides.$inferSelect;
/** A note or override as a page shows it: with the name of who wrote it. */
export type NoteView = NoteRow & { authorName: string };
export type OverrideView = OverrideRow & { authorName: string };

export const NOTE_MAX = 5000;
export const REASON_MAX = 2000;
export const STATUSES = ['met', 'partial', 'missed'] as const satisfies readonly KeyPointStatus[];

/** Why a note or override was not stored; `field` names the input at fault. */
export interface AnnotationRefusal {
  refused: 'empty' | 'too_long' | 'invalid' | 'not_graded' | 'unknown_turn';
  field: 'text' | 'reason' | 'key_point' | 'status' | 'score' | 'turn';
  message: string;
}
export const isAnnotationRefusal = (x: unknown): x is AnnotationRefusal => typeof x === 'object' && x !== null && 'refused' in x;

export interface OverrideInput {
  turnId: string;
  authorId: string;
  /** With `status`: change one key point of the AI grade. */
  keyPointId?: string;
  status?: string;
  /** Alone: change the total. */
  score?: number;
  reason: string;
}

const newId = () => randomBytes(12).toString('base64url');
const clean = (s: string) => s.replace(/\r\n/g, '\n').trim();

export class Annotations {
  constructor(
    private db: Db,
    private now: () => number = Date.now,
  ) {}

  addNote(turnId: string, authorId: string, text: string): NoteRow | AnnotationRefusal {
    const body = clean(text);
    if (!body) return { refused: 'empty', field: 'text', message: 'text: the note is empty' };
    if (body.length > NOTE_MAX) return { refused: 'too_long', field: 'text', message: `text: notes are limited to ${NOTE_MAX.toLocaleString('en')} characters (this one has ${body.length})` };
    if (!this.turnExists(turnId)) return { refused: 'unknown_turn', field: 'turn', message: 'no such turn' };
    const row: NoteRow = { id: newId(), turnId, authorId, text: body, createdAt: this.now() };
    this.db.insert(notes).values(row).run();
    return row;
  }

  /** Change one key point's status or the total of a turn's AI grade, saying why. */
  override(input: OverrideInput): OverrideRow | AnnotationRefusal {
    const reason = clean(input.reason ?? '');
    if (!reason) return { refused: 'empty', field: 'reason', message: 'reason: say why the grade changes' };
    if (reason.length > REASON_MAX) return { refused: 'too_long', field: 'reason', message: `reason: limited to ${REASON_MAX.toLocaleString('en')} characters` };
    if (!this.turnExists(input.turnId)) return { refused: 'unknown_turn', field: 'turn', message: 'no such turn' };
    // Overrides amend the grade the candidate got (origin "answer"), never a later regrade.
    const grade = this.db
      .select()
      .from(grades)
      .where(and(eq(grades.turnId, input.turnId), eq(grades.origin, 'answer')))
      .orderBy(desc(grades.createdAt))
      .limit(1)
      .get();
    const ai = grade?.status === 'done' ? (grade.result as unknown as Grade | null) : null;
    if (!grade || !ai) return { refused: 'not_graded', field: 'turn', message: 'this answer has no finished grade to change yet' };

    const keyPointId = input.keyPointId?.trim() || undefined;
    const base = { id: newId(), turnId: input.turnId, gradeId: grade.id, authorId: input.authorId, reason, createdAt: this.now() };
    if (keyPointId !== undefined) {
      const kp = ai.keyPoints.find((k) => k.id === keyPointId);
      if (!kp) return { refused: 'invalid', field: 'key_point', message: `key_point: the grade has no key point "${keyPointId}"` };
      if (!(STATUSES as readonly string[]).includes(input.status ?? '')) return { refused: 'invalid', field: 'status', message: `status: must be one of ${STATUSES.join(', ')}` };
      if (input.score !== undefined) return { refused: 'invalid', field: 'score', message: 'score: change a key point or the total, not both at once' };
      const before = this.latest(input.turnId, keyPointId)?.status ?? kp.status;
      const row: OverrideRow = { ...base, keyPointId, status: input.status as KeyPointStatus, score: null, previous: before };
      this.db.insert(overrides).values(row).run();
      return row;
    }
    if (input.status !== undefined && input.status !== '') return { refused: 'invalid', field: 'key_point', message: 'key_point: choose the key point whose status changes' };
    if (input.score === undefined) return { refused: 'invalid', field: 'score', message: 'score: give a total, or a key point and its status' };
    const max = grade.maxScore ?? ai.max;
    if (!Number.isFinite(input.score) || input.score < 0 || input.score > max) return { refused: 'invalid', field: 'score', message: `score: the total must be between 0 and ${max}` };
    const before = this.latest(input.turnId, null)?.score ?? ai.score;
    const row: OverrideRow = { ...base, keyPointId: null, status: null, score: input.score, previous: String(before) };
    this.db.insert(overrides).values(row).run();
    return row;
  }

  /** Every note of a session's turns, oldest first, by turn id. */
  notesOf(sessionId: string): Map<string, NoteView[]> {
    const rows = this.db
      .select({ note: notes, authorName: users.name })
      .from(notes)
      .innerJoin(turns, eq(notes.turnId, turns.id))
      .innerJoin(users, eq(notes.authorId, users.id))
      .where(eq(turns.sessionId, sessionId))
      .orderBy(notes.createdAt, sql`${notes}.rowid`)
      .all();
    return groupByTurn(rows.map((r) => ({ ...r.note, authorName: r.authorName })));
  }

  /** Every override of a session's turns in the order they were made, by turn id. */
  overridesOf(sessionId: string): Map<string, OverrideView[]> {
    const rows = this.db
      .select({ override: overrides, authorName: users.name })
      .from(overrides)
      .innerJoin(turns, eq(overrides.turnId, turns.id))
      .innerJoin(users, eq(overrides.authorId, users.id))
      .where(eq(turns.sessionId, sessionId))
      // Insertion order decides "latest": two changes in the same millisecond keep their order.
      .orderBy(overrides.createdAt, sql`${overrides}.rowid`)
      .all();
    return groupByTurn(rows.map((r) => ({ ...r.override, authorName: r.authorName })));
  }

  private turnExists(turnId: string): boolean {
    return !!this.db.select({ id: turns.id }).from(turns).where(eq(turns.id, turnId)).get();
  }

  /** The last override of one key point (or of the total, when keyPointId is null). */
  private latest(turnId: string, keyPointId: string | null): OverrideRow | undefined {
    return this.db
      .select()
      .from(overrides)
      .where(and(eq(overrides.turnId, turnId), keyPointId === null ? sql`${overrides.keyPointId} is null` : eq(overrides.keyPointId, keyPointId)))
      .orderBy(desc(overrides.createdAt), desc(sql`${overrides}.rowid`))
      .limit(1)
      .get();
  }
}

function groupByTurn<T extends { turnId: string }>(rows: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const list = out.get(r.turnId) ?? [];
    list.push(r);
    out.set(r.turnId, list);
  }
  return out;
}

export interface HumanKeyPoint {
  id: string;
  point: string;
  weight: number;
  /** What the AI grade said. */
  ai: KeyPointStatus;
  /** What it is now: the latest human override, else the AI's. */
  status: KeyPointStatus;
  override?: OverrideView;
}

/** A grade as humans left it. Both this and the AI grade are always shown, side by side. */
export interface HumanView {
  keyPoints: HumanKeyPoint[];
  aiScore: number;
  /** The latest total override, else the AI score. */
  score: number;
  max: number;
  scoreOverride?: OverrideView;
  /**
   * A key point was changed after the total was last set (or the total never was): the total does
   * not follow key points on its own, and the page says so instead of recomputing it silently.
   */
  totalStale: boolean;
  changed: boolean;
}

/** The grade with a turn's overrides (in the order they were made) applied. */
export function humanView(grade: Grade, turnOverrides: OverrideView[]): HumanView {
  const latestByPoint = new Map<string, { o: OverrideView; at: number }>();
  let total: { o: OverrideView; at: number } | undefined;
  turnOverrides.forEach((o, at) => {
    if (o.keyPointId !== null && o.status) latestByPoint.set(o.keyPointId, { o, at });
    else if (o.score !== null) total = { o, at };
  });
  const keyPoints = grade.keyPoints.map((k) => {
    const o = latestByPoint.get(k.id)?.o;
    return { id: k.id, point: k.point, weight: k.weight, ai: k.status, status: (o?.status as KeyPointStatus | undefined) ?? k.status, ...(o ? { override: o } : {}) };
  });
  const lastPointChange = Math.max(-1, ...[...latestByPoint.values()].map((x) => x.at));
  return {
    keyPoints,
    aiScore: grade.score,
    score: total?.o.score ?? grade.score,
    max: grade.max,
    ...(total ? { scoreOverride: total.o } : {}),
    totalStale: lastPointChange > (total?.at ?? -1),
    changed: turnOverrides.length > 0,
  };
}
