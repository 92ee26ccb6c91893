// Interviewer-run sessions: /interviews lists them and starts one; /live/<id> watches one as it
// happens and steers it. Interviewers only; every state change carries the login's CSRF token
// (staffOnly checks it). The candidate reaches the session only through their own link.
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import { desc, eq, sql } from 'drizzle-orm';
import { DIFFICULTIES, KINDS, TOPICS, type Difficulty, type Kind, type Topic } from '../bank/classify.ts';
import type { Deps } from '../app.tsx';
import { sessions, turns, users } from '../db/schema.ts';
import { isRefusal, type Interviews, type Session } from '../interview/session.ts';
import { publicOrigin, staffOnly, type StaffEnv } from './accounts.tsx';
import { MessagePage } from '../../views/bank.tsx';
import type { PageContext } from '../../views/layout.tsx';
import { InterviewsPage, LivePage, LiveState, LiveTurnBlock, ObservedTurn, QuestionPicker, SteerPanel, steerState, type LiveTurn, type SteerView } from '../../views/live.tsx';
import type { Child } from 'hono/jsx';
import type { Grade } from '../grading/types.ts';
import { TurnAnnotations } from '../../views/review.tsx';

const only = <T extends string>(values: string[], known: readonly T[]) => values.filter((v): v is T => (known as readonly string[]).includes(v));

/** Render JSX to a string (SSE messages carry HTML). */
async function html(node: unknown): Promise<string> {
  return String(await (node as { toString(): string | Promise<string> }).toString());
}

/** Every turn of a session as the interviewer sees it. */
export function liveTurns(interviews: Interviews, session: Session): LiveTurn[] {
  const ts = interviews.turns(session.id);
  const gs = interviews.gradesOf(session.id);
  const signals = interviews.signalsOf(session.id);
  let position = 0;
  return ts.map((turn) => {
    if (!turn.followUpOf) position++;
    return {
      turn,
      grade: gs.get(turn.id),
      rubric: interviews.rubricFor(turn.questionId),
      hints: interviews.hintsShown(turn),
      signals: signals.filter((s) => s.turnId === turn.id),
      position,
      planned: session.plan.length,
      isCode: interviews.isCode(turn),
    };
  });
}

export function steerView(deps: Deps, session: Session, error?: string): SteerView {
  const { interviews } = deps.services;
  const current = interviews.current(session.id);
  const hints = current ? (interviews.rubricFor(current.questionId)?.hints ?? []) : [];
  const hintsLeft = current?.status === 'asked' && !current.followUpOf ? hints.length - current.hintsUsed : 0;
  return {
    session,
    current,
    hintsLeft,
    nextHint: hintsLeft > 0 ? hints[current!.hintsUsed] : undefined,
    suggestion: current?.status === 'answered' ? interviews.suggestedFollowUp(current) : undefined,
    upcoming: interviews.upcoming(session).flatMap((id) => deps.bank.get(id) ?? []),
    error,
  };
}

export function liveRoutes(deps: Deps) {
  const app = new Hono<StaffEnv>();
  const { interviews } = deps.services;
  const page = (c: Context<StaffEnv>) => c.get('page');
  app.use('/interviews', staffOnly(['interviewer']));
  app.use('/interviews/*', staffOnly(['interviewer']));
  app.use('/live/*', staffOnly(['interviewer']));

  // Notes and overrides, the same forms as the transcript page (they post to the review routes).
  const annotations = (c: Context<StaffEnv>, s: Session) => {
    const notes = deps.services.annotations.notesOf(s.id);
    const overrides = deps.services.annotations.overridesOf(s.id);
    return (v: LiveTurn): Child => {
      const grade = v.grade?.status === 'done' ? (v.grade.result as unknown as Grade) : undefined;
      return <TurnAnnotations ctx={page(c)} sid={s.id} turnId={v.turn.id} grade={grade} notes={notes.get(v.turn.id) ?? []} overrides={overrides.get(v.turn.id) ?? []} />;
    };
  };

  /** The latest interviewer-run sessions, every interviewer's (a team shares its interviews). */
  const assistedRows = () =>
    deps.db
      .select({ session: sessions, interviewer: users.name, answered: sql<number>`(select count(*) from ${turns} where ${turns.sessionId} = ${sessions.id} and ${turns.status} = 'answered')` })
      .from(sessions)
      .leftJoin(users, eq(sessions.interviewerId, users.id))
      .where(eq(sessions.mode, 'assisted'))
      .orderBy(desc(sessions.createdAt))
      .limit(100)
      .all()
      .map((r) => ({ ...r, interviewer: r.interviewer ?? '—' }));

  app.get('/interviews', (c) => c.html(<InterviewsPage ctx={page(c)} rows={assistedRows()} topicCounts={deps.bank.topicCounts()} />));

  app.get('/interviews/questions', (c) => {
    const q = (c.req.query('q') ?? '').trim().slice(0, 100);
    const found = q ? deps.bank.filter({ q }).slice(0, 30) : [];
    return c.html(<QuestionPicker ctx={page(c)} questions={found} type={c.req.query('pick') === 'radio' ? 'radio' : 'checkbox'} name={c.req.query('pick') === 'radio' ? 'picked_id' : 'question_id'} />);
  });

  app.post('/interviews', async (c) => {
    const form = await c.req.parseBody({ all: true });
    const list = (k: string) => {
      const v = form[k];
      return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
    };
    const candidate = (list('candidate')[0] ?? '').trim();
    const fail = (error: string) => c.html(<InterviewsPage ctx={page(c)} rows={assistedRows()} topicCounts={deps.bank.topicCounts()} error={error} />, 422);
    if (!candidate) return fail(page(c).t.candidateNameRequired);
    const picked = list('question_id');
    const created = interviews.create({
      mode: 'assisted',
      interviewerId: c.get('staff').user.id,
      candidate,
      questionIds: picked.length ? picked : undefined,
      count: Number(list('count')[0] ?? 5) || 5,
      topics: only<Topic>(list('topic'), Object.keys(TOPICS) as Topic[]),
      kinds: only<Kind>(list('kind'), KINDS),
      difficulty: only<Difficulty>(list('difficulty'), DIFFICULTIES),
      secondsPerQuestion: Number(list('seconds')[0] ?? 0) || 0,
      lang: page(c).lang,
    });
    if (isRefusal(created)) return fail(created.refused === 'no_questions' ? page(c).t.noQuestions : created.message);
    return showLinkOnce(c, created.session.id, created.token);
  });

  /** The candidate link is shown once: carried to the live page in a short-lived cookie, then forgotten. */
  const showLinkOnce = (c: Context<StaffEnv>, sid: string, token: string) => {
    setCookie(c, `link_${sid}`, token, { path: `/live/${sid}`, httpOnly: true, sameSite: 'Strict', maxAge: 300 });
    return c.redirect(`/live/${sid}`, 303);
  };

  /** The session, if it is an assisted one. */
  const assisted = (c: Context<StaffEnv>): Session | undefined => {
    const s = interviews.get(c.req.param('id')!);
    return s?.mode === 'assisted' ? s : undefined;
  };
  const notFound = (c: Context<StaffEnv>) => c.html(<MessagePage ctx={page(c)} title="404" message={page(c).t.notFound} />, 404);

  const renderState = (ctx: PageContext, s: Session) => {
    const cur = interviews.current(s.id);
    const answered = interviews.turns(s.id).filter((t) => t.status === 'answered' && !t.followUpOf).length;
    return <LiveState ctx={ctx} session={s} answered={answered} deadline={cur && s.status === 'active' ? interviews.deadline(s, cur) : undefined} />;
  };

  app.get('/live/:id', (c) => {
    const s = assisted(c);
    if (!s) return notFound(c);
    const token = getCookie(c, `link_${s.id}`);
    if (token) deleteCookie(c, `link_${s.id}`, { path: `/live/${s.id}` });
    const link = token ? `${publicOrigin(c, deps.config.TRUST_PROXY)}/s/${s.id}?t=${token}` : undefined;
    const ctx = page(c);
    const annotationsOf = annotations(c, s);
    return c.html(
      <LivePage
        ctx={ctx}
        session={s}
        link={link}
        state={renderState(ctx, s)}
        turns={liveTurns(interviews, s).map((v) => <LiveTurnBlock ctx={ctx} session={s} v={v} annotations={annotationsOf(v)} />)}
        steer={<SteerPanel ctx={ctx} s={steerView(deps, s)} />}
      />,
    );
  });

  /**
   * The live feed: after every change, the parts that changed, as htmx partials — a turn's
   * observed part, a new turn, the head, and the steering panel only when its state moved (so an
   * interviewer typing a follow-up does not lose it to a draft update).
   */
  app.get('/live/:id/events', (c) => {
    const first = assisted(c);
    if (!first) return notFound(c);
    const ctx = page(c);
    return streamSSE(c, async (stream) => {
      const sent = new Map<string, string>();
      // A turn's notes and override forms are left alone (the interviewer may be typing in them),
      // except once, when its grade is done and there are key points to override.
      const graded = new Set<string>();
      let steerKey = steerState(steerView(deps, first));
      let dirty = true;
      let wake = () => {};
      const stop = interviews.events.on(first.id, () => {
        dirty = true;
        wake();
      });
      let open = true;
      stream.onAbort(() => {
        open = false;
        wake();
      });
      const partial = (target: string, swap: string, body: string) => `<hx-partial hx-target="${target}" hx-swap="${swap}">${body}</hx-partial>`;
      // What the browser already shows: the turns the page was rendered with (?turns=N), or after
      // a lost connection the turns it had heard of (each message's id is the turn count; the
      // browser sends the last one back as Last-Event-ID). A freshly rendered page is current; a
      // page that lost its connection may have missed anything, so its turns, head and steering
      // panel are sent again. Turns it never had are appended either way.
      const lastHeard = c.req.header('last-event-id');
      const known = Number(lastHeard ?? c.req.query('turns') ?? 0) || 0;
      const present = new Set<string>();
      try {
        for (const [i, v] of liveTurns(interviews, first).entries()) {
          if (i >= known) break;
          present.add(v.turn.id);
          if (lastHeard !== undefined) continue;
          sent.set(v.turn.id, await html(<ObservedTurn ctx={ctx} session={first} v={v} />));
          if (v.grade?.status === 'done') graded.add(v.turn.id);
        }
        if (lastHeard === undefined) sent.set('state', await html(renderState(ctx, first)));
        else steerKey = '';
        while (open) {
          if (dirty) {
            dirty = false;
            const s = interviews.get(first.id)!;
            const parts: string[] = [];
            // Read only when a turn needs them (not on every keystroke of a shared draft).
            let lazy: ((v: LiveTurn) => Child) | undefined;
            const annotationsOf = (v: LiveTurn) => (lazy ??= annotations(c, s))(v);
            for (const v of liveTurns(interviews, s)) {
              const body = await html(<ObservedTurn ctx={ctx} session={s} v={v} />);
              const before = sent.get(v.turn.id);
              if (before === undefined && !present.has(v.turn.id)) parts.push(partial('#live-turns', 'beforeend', await html(<LiveTurnBlock ctx={ctx} session={s} v={v} annotations={annotationsOf(v)} />)));
              else if (before !== body) parts.push(partial(`#observed-${v.turn.id}`, 'outerHTML', body));
              sent.set(v.turn.id, body);
              present.add(v.turn.id);
              if (v.grade?.status === 'done' && !graded.has(v.turn.id)) {
                graded.add(v.turn.id);
                if (before !== undefined) parts.push(partial(`#ann-${v.turn.id}`, 'outerHTML', await html(annotationsOf(v))));
              }
            }
            const state = await html(renderState(ctx, s));
            if (state !== sent.get('state')) parts.push(partial('#live-state', 'outerHTML', state));
            sent.set('state', state);
            const steer = steerView(deps, s);
            if (steerState(steer) !== steerKey) {
              steerKey = steerState(steer);
              parts.push(partial('#steer', 'outerHTML', await html(<SteerPanel ctx={ctx} s={steer} />)));
            }
            if (parts.length) await stream.writeSSE({ id: String(present.size), data: parts.join('') });
            if (s.status === 'finished') {
              await stream.writeSSE({ event: 'done', data: '' });
              break;
            }
          }
          // Coalesce bursts (a grade's stages, typing) into one message at most every 150 ms.
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, dirty ? 150 : 15_000);
            wake = () => (clearTimeout(timer), setTimeout(resolve, 150));
          });
          if (!dirty && open) await stream.write(': keepalive\n\n');
        }
      } finally {
        stop();
      }
    });
  });

  /** Answer a steering action: the panel again for htmx, the page again for a plain form. */
  const steered = (c: Context<StaffEnv>, s: Session, error?: string) => {
    if (!c.req.header('hx-request')) return error ? c.text(error, 409) : c.redirect(`/live/${s.id}`, 303);
    return c.html(<SteerPanel ctx={page(c)} s={steerView(deps, interviews.get(s.id)!, error)} />, error ? 409 : 200);
  };
  const field = async (c: Context<StaffEnv>, name: string) => {
    const v = (await c.req.parseBody())[name];
    return typeof v === 'string' ? v : undefined;
  };

  app.post('/live/:id/next', async (c) => {
    const s = assisted(c);
    if (!s) return notFound(c);
    const chosen = (await field(c, 'picked_id')) || (await field(c, 'question_id'));
    if (chosen && interviews.upcoming(s)[0] !== chosen) {
      const refused = interviews.chooseNext(s, chosen);
      if (refused) return steered(c, s, refused.message);
    }
    const r = interviews.next(s);
    return steered(c, s, isRefusal(r) ? r.message : undefined);
  });

  app.post('/live/:id/follow-up', async (c) => {
    const s = assisted(c);
    if (!s) return notFound(c);
    const r = interviews.followUp(s, (await field(c, 'text')) ?? '');
    return steered(c, s, isRefusal(r) ? r.message : undefined);
  });

  app.post('/live/:id/hint', (c) => {
    const s = assisted(c);
    if (!s) return notFound(c);
    const r = interviews.hint(s);
    return steered(c, s, isRefusal(r) ? r.message : undefined);
  });

  app.post('/live/:id/pause', async (c) => {
    const s = assisted(c);
    if (!s) return notFound(c);
    interviews.setPaused(s, (await field(c, 'paused')) === '1');
    return steered(c, s);
  });

  app.post('/live/:id/finish', (c) => {
    const s = assisted(c);
    if (!s) return notFound(c);
    interviews.finish(s);
    return c.redirect(`/live/${s.id}`, 303);
  });

  app.post('/live/:id/link', (c) => {
    const s = assisted(c);
    if (!s) return notFound(c);
    return showLinkOnce(c, s.id, interviews.rotateToken(s));
  });

  return app;
}
