// The candidate's pages. GET renders a page; POSTs from htmx return the fragments they change
// (a turn, a hint, partials that close one turn and open the next). A session's pages are reached
// with its token, kept in an HttpOnly cookie scoped to /s/<id>; a link may carry it once as ?t=.
import { randomBytes } from 'node:crypto';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import { raw } from 'hono/html';
import { streamSSE } from 'hono/streaming';
import { DIFFICULTIES, KINDS, TOPICS, type Difficulty, type Kind, type Topic } from '../bank/classify.ts';
import type { Deps, Env } from '../app.tsx';
import type { Grade } from '../grading/types.ts';
import { CANDIDATE_CHANGES } from '../interview/events.ts';
import { isRefusal, type GradeRow, type Interviews, type Session, type Turn } from '../interview/session.ts';
import { summaryOf } from '../interview/summary.ts';
import { MessagePage } from '../../views/bank.tsx';
import type { PageContext } from '../../views/layout.tsx';
import { ChatPage, GradeAreaInner, HintBubble, StartPage, SummaryPage, TurnBlock, type TurnView } from '../../views/interview.tsx';

type SessionEnv = Env & { Variables: Env['Variables'] & { session: Session } };

const cookieName = (sid: string) => `s_${sid}`;
const only = <T extends string>(values: string[], known: readonly T[]) => values.filter((v): v is T => (known as readonly string[]).includes(v));

/** Does this graded turn offer the candidate its suggested follow-up? */
const offersFollowUp = (turn: Turn, grade: GradeRow | undefined) => !turn.followUpOf && grade?.status === 'done' && !!(grade.result as Grade | null)?.followUp;

/**
 * Everything a turn's fragment needs to render. `grades` may be the light rows (no result), for a
 * page that renders only what its cache of settled turns lacks (see withFullGrade).
 */
export function turnViews(interviews: Interviews, session: Session, grades = interviews.gradesOf(session.id)): TurnView[] {
  const ts = interviews.turns(session.id);
  let position = 0;
  return ts.map((turn, i) => {
    if (!turn.followUpOf) position++;
    const grade = grades.get(turn.id);
    const current = i === ts.length - 1 && session.status === 'active';
    return {
      turn,
      grade,
      hints: interviews.hintsShown(turn),
      position,
      planned: session.plan.length,
      isCode: interviews.isCode(turn),
      current,
      idempotencyKey: current && turn.status === 'asked' ? randomBytes(12).toString('base64url') : undefined,
      deadline: current ? interviews.deadline(session, turn) : undefined,
      hasFollowUp: offersFollowUp(turn, grade),
      lastPlanned: position >= session.plan.length,
      assisted: session.mode === 'assisted',
      paused: current && !!session.pausedAt,
    };
  });
}

function viewOf(interviews: Interviews, session: Session, turnId: string): TurnView {
  return turnViews(interviews, session).find((v) => v.turn.id === turnId)!;
}

/** Render JSX to a string (for SSE messages and partials). */
async function html(node: unknown): Promise<string> {
  return String(await (node as { toString(): string | Promise<string> }).toString());
}

export function interviewRoutes(deps: Deps) {
  const app = new Hono<SessionEnv>();
  const { interviews, runner } = deps.services;
  // State changes come from our own pages only: the browser says so in Origin.
  app.use('/sessions', csrf());
  app.use('/s/*', csrf());

  const page = (c: Context<SessionEnv>) => c.get('page');
  const notFound = (c: Context<SessionEnv>) => c.html(<MessagePage ctx={page(c)} title="404" message={page(c).t.notFound} />, 404);

  app.get('/', (c) => c.html(<StartPage ctx={page(c)} topicCounts={deps.bank.topicCounts()} profile={getCookie(c, 'profile') ?? ''} />));

  app.post('/sessions', async (c) => {
    const form = await c.req.parseBody({ all: true });
    const list = (k: string) => {
      const v = form[k];
      return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
    };
    const mode = list('mode')[0] ?? 'chosen';
    const profile = (list('profile')[0] ?? '').trim().slice(0, 64);
    const chosen = mode === 'chosen';
    const created = interviews.create({
      count: Number(list('count')[0] ?? 5) || 5,
      topics: chosen ? only<Topic>(list('topic'), Object.keys(TOPICS) as Topic[]) : undefined,
      kinds: chosen ? only<Kind>(list('kind'), KINDS) : undefined,
      difficulty: chosen ? only<Difficulty>(list('difficulty'), DIFFICULTIES) : undefined,
      questionIds: mode === 'again' ? list('question_id') : undefined,
      secondsPerQuestion: Number(list('seconds')[0] ?? 0) || 0,
      profile: profile || undefined,
      lang: page(c).lang,
    });
    if (isRefusal(created)) {
      const message = created.refused === 'no_questions' ? page(c).t.noQuestions : created.message;
      return c.html(<StartPage ctx={page(c)} topicCounts={deps.bank.topicCounts()} profile={profile} error={message} />, 422);
    }
    setCookie(c, cookieName(created.session.id), created.token, { path: `/s/${created.session.id}`, httpOnly: true, sameSite: 'Lax', maxAge: 30 * 24 * 3600 });
    if (profile) setCookie(c, 'profile', profile, { path: '/', httpOnly: true, sameSite: 'Lax', maxAge: 365 * 24 * 3600 });
    return c.redirect(`/s/${created.session.id}`, 303);
  });

  // Every /s/<id> route: the token from the cookie (or once from ?t=) must be the session's.
  const withSession: MiddlewareHandler<SessionEnv> = async (c, next) => {
    const sid = c.req.param('id')!;
    const fromLink = c.req.query('t');
    const session = interviews.authorize(sid, fromLink ?? getCookie(c, cookieName(sid)));
    if (!session) return notFound(c);
    if (fromLink) {
      // Keep the token out of the address bar, history and Referer.
      setCookie(c, cookieName(sid), fromLink, { path: `/s/${sid}`, httpOnly: true, sameSite: 'Lax', maxAge: 30 * 24 * 3600 });
      return c.redirect(`/s/${sid}`, 303);
    }
    c.set('session', session);
    await next();
  };
  app.use('/s/:id', withSession);
  app.use('/s/:id/*', withSession);

  // A turn that is over (answered and graded, or skipped) renders the same every time: keep its
  // HTML, so the chat page of a long session costs one render per new turn, not per turn per load.
  const settled = new Map<string, string>();
  const settledKey = (ctx: PageContext, v: TurnView) => {
    const g = v.grade;
    const over = v.turn.status === 'skipped' || (v.turn.status === 'answered' && (g?.status === 'done' || g?.status === 'failed'));
    if (v.current || !over) return undefined;
    return [ctx.lang, v.turn.id, v.turn.status, g?.id, g?.status, g?.updatedAt, v.hints.length, v.position, v.planned, v.assisted].join('|');
  };
  /** The view with its grade read in full (the page started from the light rows). */
  const withFullGrade = (v: TurnView): TurnView => {
    const grade = v.grade && interviews.gradeById(v.grade.id);
    return { ...v, grade, hasFollowUp: offersFollowUp(v.turn, grade) };
  };
  const renderTurn = (ctx: PageContext, sid: string, v: TurnView) => {
    const key = settledKey(ctx, v);
    if (!key) return <TurnBlock ctx={ctx} sid={sid} v={withFullGrade(v)} />;
    let html = settled.get(key);
    if (html === undefined) {
      if (settled.size >= 20_000) settled.delete(settled.keys().next().value!);
      settled.set(key, (html = String(<TurnBlock ctx={ctx} sid={sid} v={withFullGrade(v)} />)));
    }
    return raw(html);
  };

  app.get('/s/:id', (c) => {
    const s = c.get('session');
    if (s.status === 'finished') return c.redirect(`/s/${s.id}/summary`, 303);
    const ctx = page(c);
    // Grades as light rows: a settled turn's HTML is cached, so its grade need not be read again.
    const views = turnViews(interviews, s, interviews.gradesOf(s.id, { light: true }));
    return c.html(<ChatPage ctx={ctx} session={s} turns={views.map((v) => renderTurn(ctx, s.id, v))} />);
  });

  const message = (c: Context<SessionEnv>, text: string, status: 409 | 413 | 422) => c.text(text, status);

  app.post('/s/:id/answer', async (c) => {
    const s = c.get('session');
    const form = await c.req.parseBody();
    const r = interviews.submit(s, {
      answer: typeof form.answer === 'string' ? form.answer : '',
      language: typeof form.language === 'string' ? form.language : undefined,
      idempotencyKey: typeof form.idempotency_key === 'string' ? form.idempotency_key : undefined,
    });
    if (isRefusal(r)) return message(c, r.message, r.refused === 'too_long' ? 413 : r.refused === 'empty' ? 422 : 409);
    if (!r.replay) runner.enqueue(r.grade.id);
    return c.html(<TurnBlock ctx={page(c)} sid={s.id} v={viewOf(interviews, s, r.turn.id)} />);
  });

  app.post('/s/:id/draft', async (c) => {
    const form = await c.req.parseBody();
    interviews.saveDraft(c.get('session'), typeof form.answer === 'string' ? form.answer : '');
    return c.body(null, 204);
  });

  // In an assisted session these moves are the interviewer's (see routes/live.tsx).
  const candidateLeads: MiddlewareHandler<SessionEnv> = async (c, next) => {
    const lead = interviews.refuseIfInterviewerLeads(c.get('session'));
    if (lead) return c.text(lead.message, 409);
    await next();
  };
  for (const path of ['/s/:id/hint', '/s/:id/next', '/s/:id/follow-up', '/s/:id/finish']) app.post(path, candidateLeads);

  app.post('/s/:id/hint', (c) => {
    const r = interviews.hint(c.get('session'));
    if (isRefusal(r)) return c.html(<div class="msg hint">{r.message}</div>);
    return c.html(<HintBubble ctx={page(c)} hint={r.hint} index={r.hintsUsed} />);
  });

  /** Close the turn that was current (its composer or actions go) and open the new one. */
  const advance = async (c: Context<SessionEnv>, s: Session, previous: Turn, opened: Turn) => {
    const views = turnViews(interviews, s);
    const prev = views.find((v) => v.turn.id === previous.id)!;
    const next = views.find((v) => v.turn.id === opened.id)!;
    const body =
      `<hx-partial hx-target="#turn-${previous.id}" hx-swap="outerHTML">${await html(<TurnBlock ctx={page(c)} sid={s.id} v={prev} />)}</hx-partial>` +
      `<hx-partial hx-target="#chat" hx-swap="beforeend">${await html(<TurnBlock ctx={page(c)} sid={s.id} v={next} />)}</hx-partial>`;
    return c.html(body);
  };

  app.post('/s/:id/next', async (c) => {
    const s = c.get('session');
    const previous = interviews.current(s.id)!;
    const r = interviews.next(s);
    if (isRefusal(r) || 'finished' in r) {
      c.header('HX-Redirect', `/s/${s.id}/summary`);
      return c.body(null, 204);
    }
    return advance(c, s, previous, r.turn);
  });

  app.post('/s/:id/follow-up', async (c) => {
    const s = c.get('session');
    const previous = interviews.current(s.id)!;
    const r = interviews.followUp(s);
    if (isRefusal(r)) return c.text(r.message, 409);
    return advance(c, s, previous, r.turn);
  });

  app.post('/s/:id/finish', (c) => {
    interviews.finish(c.get('session'));
    return c.redirect(`/s/${c.get('session').id}/summary`, 303);
  });

  // Integrity signals from app.js: a large paste, leaving or coming back to the tab.
  app.post('/s/:id/signals', async (c) => {
    const form = await c.req.parseBody();
    const kind = form.kind;
    if (kind !== 'paste' && kind !== 'blur' && kind !== 'focus') return c.text('kind must be paste, blur or focus', 400);
    interviews.recordSignal(c.get('session'), kind, Number(form.chars) || 0);
    return c.body(null, 204);
  });

  app.post('/s/:id/consent', async (c) => {
    const form = await c.req.parseBody();
    interviews.setShareDraft(c.get('session'), form.share === '1');
    return c.redirect(`/s/${c.get('session').id}`, 303);
  });

  // The candidate's page follows the interviewer: a new question, a hint, a paused clock, the end.
  app.get('/s/:id/events', (c) => {
    const sid = c.get('session').id;
    return streamSSE(c, async (stream) => {
      let wake = () => {};
      let changed = false;
      const stop = interviews.events.on(sid, (change) => {
        if (!CANDIDATE_CHANGES.has(change)) return;
        changed = true;
        wake();
      });
      let open = true;
      stream.onAbort(() => {
        open = false;
        wake();
      });
      try {
        while (open) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 15_000);
            wake = () => (clearTimeout(timer), resolve());
          });
          if (!open) break;
          if (changed) {
            changed = false;
            await stream.writeSSE({ event: 'changed', data: '' });
          } else await stream.write(': keepalive\n\n');
        }
      } finally {
        stop();
      }
    });
  });

  app.get('/s/:id/grades/:gid/stream', (c) => {
    const s = c.get('session');
    const gid = c.req.param('gid');
    const row = interviews.gradeById(gid);
    const turn = row && interviews.turns(s.id).find((t) => t.id === row.turnId);
    if (!row || !turn) return notFound(c);
    const render = () => html(<GradeAreaInner ctx={page(c)} sid={s.id} v={viewOf(interviews, interviews.get(s.id)!, turn.id)} />);
    return streamSSE(c, async (stream) => {
      let finished = false;
      let wake = () => {};
      // Listen first, then look: a stage that finishes in between is not missed.
      const stop = runner.subscribe(gid, (e) => {
        if (e.stage === 'done' || e.stage === 'failed') finished = true;
        wake();
      });
      stream.onAbort(() => {
        finished = true;
        wake();
      });
      try {
        let sent = '';
        for (;;) {
          const now = interviews.gradeById(gid)!;
          const body = await render();
          if (body !== sent) {
            await stream.writeSSE({ data: body });
            sent = body;
          }
          if (now.status !== 'pending' || finished) break;
          // Wait for the next stage, with a heartbeat so proxies keep the stream open.
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 15_000);
            wake = () => (clearTimeout(timer), resolve());
          });
          if (!finished) await stream.write(': keepalive\n\n');
        }
        const last = await render();
        if (last !== sent) await stream.writeSSE({ data: last });
        await stream.writeSSE({ event: 'done', data: '' });
      } finally {
        stop();
      }
    });
  });

  app.get('/s/:id/summary', (c) => {
    const s = c.get('session');
    if (s.status !== 'finished') {
      return c.html(<MessagePage ctx={page(c)} title={page(c).t.summaryTitle} message={page(c).t.sessionNotFinished} />, 409);
    }
    const { items, figures } = summaryOf(interviews, s);
    return c.html(<SummaryPage ctx={page(c)} session={s} items={items} figures={figures} />);
  });

  return app;
}
