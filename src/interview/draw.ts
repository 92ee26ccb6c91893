// Which questions a session asks. Never the same question twice in a session (merged duplicates
// are one question already). For a profile with history, questions it has mastered come back
// less, and questions in its weak topics more.
import type { Question } from '../bank/bank.ts';
import type { Difficulty, Kind, Topic } from '../bank/classify.ts';

export interface DrawFilter {
  count: number;
  topics?: Topic[];
  kinds?: Kind[];
  difficulty?: Difficulty[];
}

/** What a profile has done before: its best score per question, 0..1. */
export type History = Map<string, number>;

export const MASTERED = 0.8;
const MASTERED_WEIGHT = 0.15;
const WEAK_TOPIC_WEIGHT = 3;

/** A question's chance of being drawn, relative to an unseen one (1). */
export function drawWeight(q: Question, history: History, weakTopics: Set<string>): number {
  const best = history.get(q.id);
  let w = best === undefined ? 1 : best >= MASTERED ? MASTERED_WEIGHT : 1;
  if (q.topics.some((t) => weakTopics.has(t))) w *= WEAK_TOPIC_WEIGHT;
  return w;
}

/** Topics whose questions the profile has scored below half on, on average. */
export function weakTopics(bankById: (id: string) => Question | undefined, history: History): Set<string> {
  const sums = new Map<string, { total: number; n: number }>();
  for (const [id, score] of history) {
    for (const t of bankById(id)?.topics ?? []) {
      const s = sums.get(t) ?? { total: 0, n: 0 };
      s.total += score;
      s.n++;
      sums.set(t, s);
    }
  }
  return new Set([...sums].filter(([, s]) => s.total / s.n < 0.5).map(([t]) => t));
}

/**
 * Draw `count` distinct questions matching the filter, weighted (Efraimidis–Spirakis: each
 * question gets key u^(1/w) and the largest keys win), so a weight of 3 makes a question three
 * times as likely as 1. `random` is injected so tests can fix it.
 */
export function drawQuestions(
  candidates: readonly Question[],
  filter: DrawFilter,
  history: History,
  weak: Set<string>,
  random: () => number = Math.random,
): Question[] {
  const pool = candidates.filter(
    (q) =>
      (!filter.topics?.length || q.topics.some((t) => filter.topics!.includes(t))) &&
      (!filter.kinds?.length || filter.kinds.includes(q.kind)) &&
      (!filter.difficulty?.length || filter.difficulty.includes(q.difficulty)),
  );
  return pool
    .map((q) => ({ q, key: Math.pow(Math.max(random(), 1e-12), 1 / drawWeight(q, history, weak)) }))
    .sort((a, b) => b.key - a.key)
    .slice(0, Math.max(0, filter.count))
    .map((x) => x.q);
}
