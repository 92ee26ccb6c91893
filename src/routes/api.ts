// The JSON API: the same interview as the pages, for scripts and other front ends. Every call
// after POST /api/sessions sends `Authorization: Bearer <token>`; an unknown session and a wrong
// token get the same 404.
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { DIFFICULTIES, KINDS, TOPICS, type Topic } from '../bank/classify.ts';
import type { Deps, Env } from '../app.tsx';
import type { Grade } from '../grading/types.ts';
import type { GradeRunner } from '../interview/grader.ts';
import { isRefusal, type GradeRow, type Interviews, type Refusal, type Session, type Turn } from '../interview/session.ts';
import { describeIssues } from '../rubrics/schema.ts';

/** How long POST /answers waits for the grade before answering 202 with a URL to poll. */
export const ANSWER_WAIT_MS = 2500;

const NewSessionBody = z
  .object({
    count: z.number().int().min(1).max(50).optional(),
    topics: z.array(z.enum(Object.keys(TOPICS) as [Topic, ...Topic[]])).optional(),
    kinds: z.array(z.enum(KINDS)).optional(),
    difficulty: z.union([z.enum(DIFFICULTIES), z.array(z.enum(DIFFICULTIES))]).optional(),
    profile: z.string().max(64).optional(),
    question_ids: z.array(z.string()).max(50).optional(),
    seconds_per_question: z.number().int().min(0).max(3600).optional(),
    lang: z.enum(['zh', 'en']).optional(),
  })
  .strict();

const AnswerBody = z
  .object({
    answer: z.string(),
    language: z.enum(['zh', 'en', 'python', 'javascript']).optional(),
    idempotency_key: z.string().min(1).max(128).optional(),
  })
  .strict();

const NextBody = z.object({ after: z.string().max(64).optional() }).strict();

const REFUSAL_STATUS: Record<Refusal['refused'], 400 | 404 | 409 | 413 | 422> = {
  empty: 422,
  too_long: 413,
  finished: 409,
  answered: 409,
  no_hints: 409,
  no_follow_up: 409,
  no_questions: 422,
  unknown_question: 422,
  not_answered: 409,
  interviewer_leads: 409,
  already_asked: 409,
};

const refuse = (c: Context, r: Refusal) => c.json({ error: r.refused, message: r.message }, REFUSAL_STATUS[r.refused]);
const notFound = (c: Context) => c.json({ error: 'not_found', message: 'no such session' }, 404);

/** Parse a JSON body with a schema; a bad body answers 400 naming what is wrong. */
export async function jsonBody<T extends z.ZodTypeAny>(c: Context, schema: T): Promise<z.infer<T> | Response> {
  let raw: unknown;
  try {
    const text = await c.req.text();
    raw = text.trim() === '' ? {} : JSON.parse(text);
  } catch (e) {
    return c.json({ error: 'bad_json', message: `the request body is not valid JSON: ${(e as Error).message}` }, 400);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = describeIssues(parsed.error).map((i) => `${i.field}: ${i.message}`);
    return c.json({ error: 'bad_request', message: issues.join('; '), issues }, 400);
  }
  return parsed.data;
}

export function questionJson(t: Turn) {
  return { id: t.question.id, title: t.question.title, prompt: t.question.prompt, kind: t.question.kind, ...(t.followUpOf ? { follow_up_of: t.followUpOf } : {}) };
}

/**
 * May the candidate see what the rubric keeps back (model answers, hidden tests)? After a solo
 * session, yes: it is their practice. In an interviewer-run session, never: the rubric is the
 * hiring team's, and the next candidate gets the same questions.
 */
export const revealed = (s: Session) => s.status === 'finished' && s.mode === 'solo';

/**
 * A grade as a candidate may see it: hidden tests only as counts until a solo session is over,
 * and in an interviewer-run session no suggested follow-up (the interviewer sends follow-ups).
 */
export function gradeJson(g: GradeRow | undefined, s: Session) {
  const finished = revealed(s);
  if (!g) return null;
  const r = g.result as Grade | null;
  if (g.status !== 'done' || !r) return { status: g.status, ...(g.error ? { error: g.error } : {}), ...(r ? { checks_so_far: { score: r.score, key_points: r.keyPoints.map((k) => ({ id: k.id, point: k.point, status: k.status })) } } : {}) };
  return {
    status: 'done',
    score: r.score,
    max: r.max,
    grader: r.grader,
    ...(r.grader === 'deterministic' ? { note: 'graded by the deterministic checks only (no LLM)' } : { model: r.model, prompt_version: r.promptVersion }),
    key_points: r.keyPoints.map((k) => ({ id: k.id, point: k.point, weight: k.weight, status: k.status, ...(k.evidence ? { evidence: k.evidence } : {}), by: k.by })),
    misconceptions: r.misconceptions.map((m) => ({ claim: m.claim, correction: m.correction, evidence: m.evidence })),
    checks: r.checks,
    ...(r.code
      ? {
          tests: {
            passed: r.code.passed,
            total: r.code.total,
            hidden_passed: r.code.hiddenPassed,
            hidden_total: r.code.hiddenTotal,
            ...(r.code.notRun ? { not_run: r.code.notRun } : {}),
            visible: r.code.tests.filter((t) => !t.hidden || finished),
            violations: r.code.violations,
          },
        }
      : {}),
    feedback: r.feedback,
    ...(r.followUp && s.mode === 'solo' ? { follow_up: r.followUp } : {}),
    flags: r.flags,
    rubric_hash: r.rubricHash,
  };
}


export function turnJson(interviews: Interviews, t: Turn, session: Session, grade?: GradeRow) {
  const secs = session.settings.secondsPerQuestion;
  return {
    answer_id: t.id,
    seq: t.seq,
    status: t.status,
    question: questionJson(t),
    hints_used: t.hintsUsed,
    ...(t.hintsUsed ? { hints: interviews.hintsShown(t) } : {}),
    ...(secs && t.status === 'asked' ? { deadline: new Date(t.askedAt + secs * 1000).toISOString() } : {}),
    ...(t.answer !== null ? { answer: t.answer, language: t.language, time_taken_ms: t.timeTakenMs } : {}),
    ...(t.status === 'answered' ? { grade: gradeJson(grade ?? interviews.grade(t.id), session) } : {}),
  };
}

/** Wait until a grade is done or failed, or `ms` pass. */
export function waitForGrade(interviews: Interviews, runner: GradeRunner, gradeId: string, ms: number): Promise<GradeRow> {
  return new Promise((resolve) => {
    const settled = () => {
      const g = interviews.gradeById(gradeId)!;
      return g.status !== 'pending' ? g : undefined;
    };
    const now = settled();
    if (now) return resolve(now);
    const timer = setTimeout(() => {
      stop();
      resolve(interviews.gradeById(gradeId)!);
    }, ms);
    const stop = runner.subscribe(gradeId, (e) => {
      if (e.stage === 'done' || e.stage === 'failed') {
        clearTimeout(timer);
        stop();
        resolve(interviews.gradeById(gradeId)!);
      }
    });
  });
}

export function apiRoutes(deps: Deps) {
  const app = new Hono<Env>();
  const { interviews, runner } = deps.services;
  // Code answers are limited to 64 KiB; JSON escaping can double that.
  app.use('*', bodyLimit({ maxSize: 256 * 1024, onError: (c) => c.json({ error: 'too_large', message: 'the request body is over 256 KiB' }, 413) }));

  const withSession = (handler: (c: Context<Env>, s: Session) => Response | Promise<Response>) => (c: Context<Env>) => {
    const token = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const s = interviews.authorize(c.req.param('id')!, token);
    return s ? handler(c, s) : notFound(c);
  };

  app.post('/sessions', async (c) => {
    const b = await jsonBody(c, NewSessionBody);
    if (b instanceof Response) return b;
    const created = interviews.create({
      count: b.count,
      topics: b.topics,
      kinds: b.kinds,
      difficulty: b.difficulty === undefined ? undefined : Array.isArray(b.difficulty) ? b.difficulty : [b.difficulty],
      profile: b.profile,
      questionIds: b.question_ids,
      secondsPerQuestion: b.seconds_per_question,
      lang: b.lang,
    });
    if (isRefusal(created)) return refuse(c, created);
    return c.json({ id: created.session.id, token: created.token, url: `/s/${created.session.id}`, answer_id: created.turn.id, question: questionJson(created.turn) }, 201);
  });

  app.get(
    '/sessions/:id',
    withSession((c, s) => {
      const cur = interviews.current(s.id);
      const planned = interviews.turns(s.id).filter((t) => !t.followUpOf).length;
      return c.json({
        id: s.id,
        status: s.status,
        mode: s.mode,
        profile: s.profile,
        created_at: new Date(s.createdAt).toISOString(),
        ...(s.finishedAt ? { finished_at: new Date(s.finishedAt).toISOString() } : {}),
        progress: { asked: planned, planned: s.plan.length },
        current: cur && s.status === 'active' ? turnJson(interviews, cur, s) : null,
      });
    }),
  );

  app.post(
    '/sessions/:id/answers',
    withSession(async (c, s) => {
      const b = await jsonBody(c, AnswerBody);
      if (b instanceof Response) return b;
      const r = interviews.submit(s, { answer: b.answer, language: b.language, idempotencyKey: b.idempotency_key });
      if (isRefusal(r)) return refuse(c, r);
      if (!r.replay) runner.enqueue(r.grade.id);
      // Wait for the grade while the grader keeps up; under a backlog answer at once (202) —
      // the answer is stored, and a client polling costs less than one holding a connection.
      const g = await waitForGrade(interviews, runner, r.grade.id, runner.depth > runner.concurrency ? 0 : ANSWER_WAIT_MS);
      const poll = `/api/sessions/${s.id}/answers/${r.turn.id}`;
      if (g.status === 'pending') return c.json({ answer_id: r.turn.id, status: 'pending', poll }, 202, { Location: poll });
      return c.json({ answer_id: r.turn.id, replay: r.replay, grade: gradeJson(g, s) }, 200);
    }),
  );

  app.get(
    '/sessions/:id/answers/:answerId',
    withSession((c, s) => {
      const t = interviews.turns(s.id).find((x) => x.id === c.req.param('answerId'));
      if (!t || t.status !== 'answered') return c.json({ error: 'not_found', message: 'no such answer in this session' }, 404);
      const g = interviews.grade(t.id);
      return c.json({ answer_id: t.id, status: g?.status ?? 'pending', grade: gradeJson(g, s) });
    }),
  );

  app.post(
    '/sessions/:id/next',
    withSession(async (c, s) => {
      const lead = interviews.refuseIfInterviewerLeads(s);
      if (lead) return refuse(c, lead);
      const b = await jsonBody(c, NextBody);
      if (b instanceof Response) return b;
      // `after`: move on only from that turn. A retry after a lost response then returns the
      // question it already moved to, instead of skipping one more.
      const cur = interviews.current(s.id);
      if (b.after && cur && cur.id !== b.after) {
        if (s.status === 'finished') return c.json({ finished: true });
        return c.json({ answer_id: cur.id, question: questionJson(cur) });
      }
      const r = interviews.next(s);
      if (isRefusal(r)) return refuse(c, r);
      if ('finished' in r) return c.json({ finished: true });
      return c.json({ answer_id: r.turn.id, question: questionJson(r.turn) });
    }),
  );

  app.post(
    '/sessions/:id/follow-up',
    withSession((c, s) => {
      const lead = interviews.refuseIfInterviewerLeads(s);
      if (lead) return refuse(c, lead);
      const r = interviews.followUp(s);
      if (isRefusal(r)) return refuse(c, r);
      return c.json({ answer_id: r.turn.id, question: questionJson(r.turn) });
    }),
  );

  app.post(
    '/sessions/:id/hint',
    withSession((c, s) => {
      const lead = interviews.refuseIfInterviewerLeads(s);
      if (lead) return refuse(c, lead);
      const r = interviews.hint(s);
      if (isRefusal(r)) return refuse(c, r);
      return c.json({ hint: r.hint, hints_used: r.hintsUsed, max: r.max });
    }),
  );

  app.post(
    '/sessions/:id/finish',
    withSession((c, s) => {
      const lead = interviews.refuseIfInterviewerLeads(s);
      if (lead) return refuse(c, lead);
      interviews.finish(s);
      return c.json({ status: 'finished' });
    }),
  );

  app.get(
    '/sessions/:id/transcript',
    withSession((c, s) => {
      const ts = interviews.turns(s.id);
      const gs = interviews.gradesOf(s.id);
      const finished = revealed(s);
      return c.json({
        session: { id: s.id, status: s.status, mode: s.mode, profile: s.profile, created_at: new Date(s.createdAt).toISOString() },
        turns: ts.map((t) => {
          const rubric = interviews.rubricFor(t.questionId);
          return {
            ...turnJson(interviews, t, s, gs.get(t.id)),
            // What the candidate may only see once the interview is over.
            ...(finished && rubric && !t.followUpOf
              ? { reference: { model_answer: rubric.model_answer, ...(rubric.coding ? { tests: rubric.coding.tests, reference_solution: rubric.coding.reference_solution } : {}) } }
              : {}),
          };
        }),
      });
    }),
  );

  app.notFound((c) => c.json({ error: 'not_found', message: `no route ${c.req.method} ${c.req.path}` }, 404));
  return app;
}
