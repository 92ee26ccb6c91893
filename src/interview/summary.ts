// The end of an interview in figures: every planned question with its answer, grade and
// follow-ups; the overall score, each topic's, the key points missed, and the questions worth
// practising again. The candidate's summary page and the review pages both read it.
import type { Topic } from '../bank/classify.ts';
import type { Grade } from '../grading/types.ts';
import type { Rubric } from '../rubrics/schema.ts';
import type { Interviews, Session, Turn } from './session.ts';

export interface SummaryItem {
  turn: Turn;
  isCode: boolean;
  grade?: Grade;
  rubric?: Rubric;
  reference: string;
  followUps: Array<{ turn: Turn; grade?: Grade }>;
}

export interface SummaryFigures {
  overall: number; // 0..10
  byTopic: Array<{ topic: Topic; score: number; n: number }>;
  missedPoints: string[];
  weakIds: string[];
}

export function summaryOf(interviews: Interviews, session: Session) {
  const ts = interviews.turns(session.id);
  const gs = interviews.gradesOf(session.id);
  const result = (t: Turn) => (gs.get(t.id)?.status === 'done' ? (gs.get(t.id)!.result as unknown as Grade) : undefined);
  const items: SummaryItem[] = ts
    .filter((t) => !t.followUpOf)
    .map((turn) => {
      const rubric = interviews.rubricFor(turn.questionId);
      return {
        turn,
        isCode: interviews.isCode(turn),
        grade: result(turn),
        rubric,
        reference: rubric?.model_answer ?? '',
        followUps: ts.filter((f) => f.followUpOf === turn.id).map((f) => ({ turn: f, grade: result(f) })),
      };
    });
  // Scores are out of 10 (hints lower the maximum, not the scale); skipped or ungraded counts 0.
  const score10 = (it: SummaryItem) => it.grade?.score ?? 0;
  const overall = items.length ? items.reduce((n, it) => n + score10(it), 0) / items.length : 0;
  const topics = new Map<Topic, { total: number; n: number }>();
  for (const it of items) {
    for (const topic of it.turn.question.topics as Topic[]) {
      const x = topics.get(topic) ?? { total: 0, n: 0 };
      x.total += score10(it);
      x.n++;
      topics.set(topic, x);
    }
  }
  const missedPoints = [...new Set(items.flatMap((it) => it.grade?.keyPoints.filter((k) => k.status !== 'met').map((k) => k.point) ?? []))];
  return {
    items,
    figures: {
      overall,
      byTopic: [...topics].map(([topic, x]) => ({ topic, score: x.total / x.n, n: x.n })).sort((a, b) => b.score - a.score),
      missedPoints,
      weakIds: items.filter((it) => score10(it) < 7).map((it) => it.turn.questionId),
    },
  };
}

