import { describe, expect, it } from 'vitest';
import { drawQuestions, drawWeight, weakTopics, type History } from '../../src/interview/draw.ts';
import { bank } from '../helpers/app.ts';

// A fixed pseudo-random sequence, so the statistics below are the same every run.
function seeded(seed: number) {
  return () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0), seed / 2 ** 32);
}
const byId = (id: string) => bank.get(id);

describe('drawing questions', () => {
  it('never draws the same question twice, and honours the filters', () => {
    const qs = drawQuestions(bank.questions, { count: 40, kinds: ['concept'], topics: ['python'] }, new Map(), new Set(), seeded(1));
    expect(new Set(qs.map((q) => q.id)).size).toBe(qs.length);
    for (const q of qs) {
      expect(q.kind).toBe('concept');
      expect(q.topics).toContain('python');
    }
  });

  it('brings mastered questions back less and weak topics more', () => {
    const python = bank.questions.filter((q) => q.topics.includes('python'));
    const mastered = python.slice(0, 10).map((q) => q.id);
    const history: History = new Map(mastered.map((id) => [id, 0.95]));
    // Networking scored badly before: a weak topic.
    const net = bank.questions.filter((q) => q.topics.includes('networking') && !q.topics.includes('python'));
    for (const q of net.slice(0, 3)) history.set(q.id, 0.1);
    const weak = weakTopics(byId, history);
    expect(weak.has('networking')).toBe(true);
    expect(weak.has('python')).toBe(false);

    const rand = seeded(42);
    const counts = { mastered: 0, weak: 0, other: 0 };
    const pool = bank.questions.filter((q) => q.topics.includes('python') || q.topics.includes('networking'));
    for (let i = 0; i < 2000; i++) {
      const [q] = drawQuestions(pool, { count: 1 }, history, weak, rand);
      if (mastered.includes(q!.id)) counts.mastered++;
      else if (q!.topics.includes('networking')) counts.weak++;
      else counts.other++;
    }
    const per = (n: number, size: number) => n / size;
    const otherSize = pool.length - mastered.length - pool.filter((q) => q.topics.includes('networking') && !mastered.includes(q.id)).length;
    const weakSize = pool.filter((q) => q.topics.includes('networking') && !mastered.includes(q.id)).length;
    // Per question: a mastered one comes up far less than an unseen one, a weak-topic one more.
    expect(per(counts.mastered, mastered.length)).toBeLessThan(per(counts.other, otherSize) / 3);
    expect(per(counts.weak, weakSize)).toBeGreaterThan(per(counts.other, otherSize) * 1.5);
  });

  it('weighs questions by history', () => {
    const q = bank.questions[0]!;
    expect(drawWeight(q, new Map(), new Set())).toBe(1);
    expect(drawWeight(q, new Map([[q.id, 0.9]]), new Set())).toBeLessThan(0.5);
    expect(drawWeight(q, new Map([[q.id, 0.5]]), new Set(q.topics))).toBe(3);
  });
});
