// Interviews to review, made the way candidates make them: through services.interviews (create,
// submit, next, follow up, finish) and graded by the real runner (deterministic, no LLM, no
// sandbox), on a clock the test sets so the date filters have days to tell apart.
import { expect } from 'vitest';
import { isRefusal, type Session, type Turn } from '../../src/interview/session.ts';
import type { Rubric } from '../../src/rubrics/schema.ts';
import { testApp } from '../helpers/app.ts';

import { lock, toInt } from '../helpers/rubrics.ts';

export { lock, toInt };

export const LOCK = 'q_22712696'; // distributed-systems, design
export const LOCK_CONCEPT = 'q_c4ab22ee'; // distributed-systems, concept (no rubric given here: graded from a draft)
export const TO_INT = 'q_1803e414'; // python + algorithms, coding

export const STRONG_LOCK = '分布式锁用 Redis 实现：一条命令 SET lock_key token NX PX 30000，设置值和过期时间是原子的。锁的值是自己的随机 token，释放时用 Lua 脚本先比较 token 再删除，避免误删别人的锁。';
export const EVIL = 'x <script>alert(1)</script> <img src=x onerror=alert(1)> <a hx-get="/x">点我</a>';

/** Midnight of a local day, as the date filters read days. */
export const day = (y: number, m: number, d: number, hour = 10) => new Date(y, m - 1, d, hour).getTime();

export interface Plan {
  questionIds: string[];
  /** One per planned question; null skips it. */
  answers: Array<string | null>;
  profile?: string;
  candidate?: string;
  mode?: 'solo' | 'assisted';
  interviewerId?: string;
  /** Hints taken before answering question i. */
  hints?: number[];
  /** An answer to a follow-up after question i. */
  followUps?: Record<number, string>;
  finish?: boolean;
}

export function reviewApp() {
  let clock = day(2026, 3, 1);
  const rubrics = new Map<string, Rubric>([
    [lock.question_id, lock],
    [toInt.question_id, toInt],
  ]);
  const t = testApp({ rubrics, now: () => clock });
  const { interviews, runner } = t.services;

  /** Run an interview as a candidate would, then wait for every grade. */
  const interview = async (plan: Plan): Promise<{ session: Session; token: string; turns: Turn[] }> => {
    const created = interviews.create({ questionIds: plan.questionIds, profile: plan.profile, candidate: plan.candidate, mode: plan.mode, interviewerId: plan.interviewerId });
    if (isRefusal(created)) throw new Error(created.message);
    const session = created.session;
    for (const [i, answer] of plan.answers.entries()) {
      for (let h = 0; h < (plan.hints?.[i] ?? 0); h++) expect(isRefusal(interviews.hint(session))).toBe(false);
      clock += 60_000;
      if (answer !== null) {
        const r = interviews.submit(session, { answer });
        if (isRefusal(r)) throw new Error(r.message);
        runner.enqueue(r.grade.id);
      }
      const follow = plan.followUps?.[i];
      if (follow !== undefined) {
        const f = interviews.followUp(session);
        if (isRefusal(f)) throw new Error(f.message);
        const r = interviews.submit(session, { answer: follow });
        if (isRefusal(r)) throw new Error(r.message);
        runner.enqueue(r.grade.id);
      }
      if (i < plan.answers.length - 1) expect(isRefusal(interviews.next(session))).toBe(false);
    }
    if (plan.finish !== false) interviews.finish(session);
    await runner.idle();
    return { session: interviews.get(session.id)!, token: created.token, turns: interviews.turns(session.id) };
  };

  return {
    ...t,
    rubrics,
    interview,
    setClock: (ms: number) => (clock = ms),
    clock: () => clock,
  };
}

/** Markdown with every fenced block taken out: what a viewer renders as Markdown, not as code. */
export function outsideFences(md: string): string {
  return md.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '');
}
