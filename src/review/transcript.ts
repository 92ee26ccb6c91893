// One interview as a reviewer reads it, gathered once for the page, the exports and the JSON API:
// every turn with its question, answer, the AI grade and the human one, the latest regrade against
// the original, notes, overrides, the browser's integrity signals, and today's rubric.
import { asc, eq } from 'drizzle-orm';
import type { Topic } from '../bank/classify.ts';
import type { Db } from '../db/index.ts';
import { signals, users } from '../db/schema.ts';
import type { Grade, TestOutcome } from '../grading/types.ts';
import type { GradeRow, Session, Turn } from '../interview/session.ts';
import { rubricHash, type Rubric } from '../rubrics/schema.ts';
import { summaryOf } from '../interview/summary.ts';
import type { Services } from '../services.ts';
import { humanView, type HumanView, type NoteView, type OverrideView } from './annotations.ts';
import { compareGrades, latestRegrades, type RegradeDiff } from './regrade.ts';
import { progressOf } from './sessions.ts';

export type SignalRow = typeof signals.$inferSelect;

export interface TranscriptTurn {
  turn: Turn;
  /** The planned question's number; a follow-up carries its question's. */
  position: number;
  isCode: boolean;
  rubric?: Rubric;
  /** The grade the candidate got (origin "answer") and its result once done. */
  grade?: GradeRow;
  ai?: Grade;
  human?: HumanView;
  regrade?: { row: GradeRow; diff: RegradeDiff };
  hints: string[];
  notes: NoteView[];
  overrides: OverrideView[];
  signals: SignalRow[];
}

export interface Transcript {
  session: Session;
  interviewer?: { id: string; name: string };
  turns: TranscriptTurn[];
  overall: number;
  byTopic: Array<{ topic: Topic; score: number; n: number }>;
  /** Signals not tied to a turn (e.g. leaving the tab between questions). */
  sessionSignals: SignalRow[];
  /** The same candidate's sessions over time, this one included. */
  progress: Array<{ id: string; createdAt: number; overall: number }>;
}

export function transcriptOf(db: Db, services: Services, sessionId: string): Transcript | undefined {
  const { interviews, annotations } = services;
  const session = interviews.get(sessionId);
  if (!session) return undefined;
  const grades = interviews.gradesOf(session.id);
  const regrades = latestRegrades(db, session.id);
  const notes = annotations.notesOf(session.id);
  const overrides = annotations.overridesOf(session.id);
  const allSignals = db.select().from(signals).where(eq(signals.sessionId, session.id)).orderBy(asc(signals.at), asc(signals.id)).all();
  const { figures } = summaryOf(interviews, session);

  let position = 0;
  const turns = interviews.turns(session.id).map((turn): TranscriptTurn => {
    if (!turn.followUpOf) position++;
    const grade = grades.get(turn.id);
    const ai = grade?.status === 'done' ? (grade.result as unknown as Grade) : undefined;
    const own = overrides.get(turn.id) ?? [];
    const regrade = regrades.get(turn.id);
    return {
      turn,
      position,
      isCode: interviews.isCode(turn),
      rubric: interviews.rubricFor(turn.questionId),
      ...(grade ? { grade } : {}),
      ...(ai ? { ai, human: humanView(ai, own) } : {}),
      ...(regrade && grade ? { regrade: { row: regrade, diff: compareGrades(grade, regrade) } } : {}),
      hints: interviews.hintsShown(turn),
      notes: notes.get(turn.id) ?? [],
      overrides: own,
      signals: allSignals.filter((s) => s.turnId === turn.id),
    };
  });
  const interviewer = session.interviewerId ? db.select({ id: users.id, name: users.name }).from(users).where(eq(users.id, session.interviewerId)).get() : undefined;
  return {
    session,
    ...(interviewer ? { interviewer } : {}),
    turns,
    overall: figures.overall,
    byTopic: figures.byTopic,
    sessionSignals: allSignals.filter((s) => s.turnId === null),
    progress: progressOf(db, session),
  };
}

/**
 * The input and expected value of each test a code answer ran, by test index. A hidden test's are
 * not stored with the grade (the candidate must never see them); today's rubric has them, but
 * only when it is the rubric the grade was made with — otherwise the indexes may not line up.
 */
export function testInputs(t: TranscriptTurn): Map<number, { args: unknown; expected: unknown }> {
  const out = new Map<number, { args: unknown; expected: unknown }>();
  const tests: TestOutcome[] = t.ai?.code?.tests ?? [];
  const specs = t.rubric?.coding && t.ai && rubricHash(t.rubric) === t.ai.rubricHash ? t.rubric.coding.tests : [];
  for (const x of tests) {
    const spec = specs[x.index];
    if (x.args !== undefined) out.set(x.index, { args: x.args, expected: x.expected });
    else if (spec) out.set(x.index, { args: spec.ops ? { ops: spec.ops, args: spec.args } : spec.args, expected: spec.expected });
  }
  return out;
}
