// Transcript review: pages under /review and the same as JSON under /api/review, for signed-in
// interviewers and reviewers only. Every state change (a note, an override, a regrade) must carry
// the login's CSRF token; staffOnly checks it before any handler here runs.
import { Hono, type Context } from 'hono';
import { csrf } from 'hono/csrf';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Deps } from '../app.tsx';
import { turns } from '../db/schema.ts';
import { jsonBody } from './api.ts';
import { isAnnotationRefusal, type AnnotationRefusal } from '../review/annotations.ts';
import { transcriptJson, transcriptMarkdown, transcriptsMarkdown } from '../review/export.ts';
import { regradeSession } from '../review/regrade.ts';
import { allSessionIds, filterParams, listSessions, parseFilter, PAGE_SIZE, snippets, type ReviewFilter } from '../review/sessions.ts';
import { transcriptOf, type Transcript } from '../review/transcript.ts';
import { GradeComparison, RefusedPage, ReviewListPage, TranscriptPage, TurnAnnotations } from '../../views/review.tsx';
import { MessagePage } from '../../views/bank.tsx';
import { REVIEW_TEXTS } from '../../views/review-i18n.ts';
import { staffOnly, type StaffEnv } from './accounts.tsx';

/** Exports of a filtered set stop here: a bigger archive is a database backup, not a download. */
export const EXPORT_LIMIT = 500;

const OverrideBody = z
  .object({
    key_point_id: z.string().max(100).optional(),
    status: z.string().max(20).optional(),
    score: z.number().optional(),
    // Checked by Annotations, so that a missing reason is a 422 naming it, like the form.
    reason: z.string().optional(),
  })
  .strict();
const NoteBody = z.object({ text: z.string() }).strict();

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const today = () => new Date().toISOString().slice(0, 10);

/** Render JSX to a string (to join a fragment and its partials). */
async function html(node: unknown): Promise<string> {
  return String(await (node as { toString(): string | Promise<string> }).toString());
}

function listJson(items: ReturnType<typeof listSessions>['items'], snips: ReturnType<typeof snippets>) {
  return items.map((s) => {
    const snip = snips.get(s.id);
    return {
      id: s.id,
      candidate: s.candidate,
      profile: s.profile,
      mode: s.mode,
      status: s.status,
      created_at: new Date(s.createdAt).toISOString(),
      finished_at: s.finishedAt === null ? null : new Date(s.finishedAt).toISOString(),
      questions: s.questions,
      answered: s.answered,
      overall: s.overall === null ? null : Math.round(s.overall * 10) / 10,
      flags: s.flags,
      url: `/review/${s.id}`,
      ...(snip ? { snippet: `${snip.before}${snip.match}${snip.after}` } : {}),
    };
  });
}

export function reviewRoutes(deps: Deps) {
  const app = new Hono<StaffEnv>();
  const { db, services } = deps;
  const { annotations, interviews, runner } = services;

  const guard = staffOnly(['interviewer', 'reviewer']);
  // "/review/*" also matches "/review" itself.
  for (const path of ['/review/*', '/api/review/*']) {
    app.use(path, guard);
    // Transcripts are personal data: no shared or browser cache keeps them.
    app.use(path, async (c, next) => {
      await next();
      c.header('Cache-Control', 'no-store');
    });
  }
  // Form posts must also come from our own pages (Origin), as the candidate pages' do.
  app.use('/review/*', csrf());

  const page = (c: Context<StaffEnv>) => c.get('page');
  const notFound = (c: Context<StaffEnv>) =>
    c.req.path.startsWith('/api/') ? c.json({ error: 'not_found', message: 'no such session or turn' }, 404) : c.html(<MessagePage ctx={page(c)} title="404" message={page(c).t.notFound} />, 404);
  const filterOf = (c: Context<StaffEnv>): ReviewFilter => parseFilter((name) => c.req.query(name));
  /** The session's transcript, or undefined (the handler answers 404). */
  const transcript = (sid: string): Transcript | undefined => (sid.length <= 64 ? transcriptOf(db, services, sid) : undefined);
  const turnOf = (sid: string, tid: string) => db.select({ id: turns.id }).from(turns).where(and(eq(turns.id, tid), eq(turns.sessionId, sid))).get();

  const attachment = (c: Context<StaffEnv>, body: string, type: string, filename: string) =>
    c.body(body, 200, { 'content-type': `${type}; charset=utf-8`, 'content-disposition': `attachment; filename="${filename}"` });
  /** The filtered sessions' transcripts, newest first, and whether the limit cut the set short. */
  const exportSet = (c: Context<StaffEnv>) => {
    const ids = allSessionIds(db, filterOf(c), EXPORT_LIMIT + 1);
    const list = ids.slice(0, EXPORT_LIMIT).map((id) => transcriptOf(db, services, id)!);
    return { list, truncated: ids.length > EXPORT_LIMIT };
  };

  // ---- Pages

  app.get('/review', (c) => {
    const f = filterOf(c);
    const { items, total } = listSessions(db, f);
    const snips = f.q ? snippets(db, items.map((s) => s.id), f.q) : new Map();
    return c.html(<ReviewListPage ctx={page(c)} filter={f} items={items} total={total} pageSize={PAGE_SIZE} snippets={snips} />);
  });

  // Before /review/:sid, which would take "export.md" for a session id.
  app.get('/review/export.md', (c) => {
    const { list, truncated } = exportSet(c);
    return attachment(c, transcriptsMarkdown(list, page(c).lang, truncated ? EXPORT_LIMIT : undefined), 'text/markdown', `mianshi-review-${today()}.md`);
  });
  app.get('/review/export.json', (c) => {
    const { list, truncated } = exportSet(c);
    const body = {
      exported_at: new Date().toISOString(),
      filter: Object.fromEntries(filterParams(filterOf(c))),
      ...(truncated ? { truncated: true, limit: EXPORT_LIMIT } : {}),
      sessions: list.map(transcriptJson),
    };
    return attachment(c, JSON.stringify(body, null, 2), 'application/json', `mianshi-review-${today()}.json`);
  });

  app.get('/review/:sid', (c) => {
    const tr = transcript(c.req.param('sid'));
    if (!tr) return notFound(c);
    const queued = c.req.query('regraded');
    const notice = queued !== undefined && /^\d+$/.test(queued) ? REVIEW_TEXTS[page(c).lang].regradeQueued(Number(queued)) : undefined;
    return c.html(<TranscriptPage ctx={page(c)} tr={tr} notice={notice} />);
  });

  app.get('/review/:sid/export.md', (c) => {
    const tr = transcript(c.req.param('sid'));
    if (!tr) return notFound(c);
    return attachment(c, transcriptMarkdown(tr, page(c).lang), 'text/markdown', `mianshi-${tr.session.id}.md`);
  });
  app.get('/review/:sid/export.json', (c) => {
    const tr = transcript(c.req.param('sid'));
    if (!tr) return notFound(c);
    return attachment(c, JSON.stringify(transcriptJson(tr), null, 2), 'application/json', `mianshi-${tr.session.id}.json`);
  });

  app.post('/review/:sid/regrade', (c) => {
    const sid = c.req.param('sid');
    if (!interviews.get(sid)) return notFound(c);
    const queued = regradeSession(db, runner, sid);
    return c.redirect(`/review/${sid}?regraded=${queued.length}`, 303);
  });

  /** After a note or override: the turn's annotations (htmx) or the transcript page again. */
  const afterChange = async (c: Context<StaffEnv>, sid: string, tid: string, refusal?: AnnotationRefusal, withGrades = false) => {
    const htmx = c.req.header('hx-request') !== undefined;
    if (!htmx) {
      if (refusal) return c.html(<RefusedPage ctx={page(c)} message={refusal.message} back={`/review/${sid}#turn-${tid}`} />, 422);
      return c.redirect(`/review/${sid}#turn-${tid}`, 303);
    }
    const t = transcriptOf(db, services, sid)!.turns.find((x) => x.turn.id === tid)!;
    const fragment = await html(
      <TurnAnnotations ctx={page(c)} sid={sid} turnId={tid} grade={t.ai} notes={t.notes} overrides={t.overrides} error={refusal ? { field: refusal.field, message: refusal.message } : undefined} />,
    );
    // An override also changes the human grade shown beside the AI's: swap that too.
    const partial = withGrades && !refusal ? `<hx-partial hx-target="#grades-${tid}" hx-swap="outerHTML">${await html(<GradeComparison ctx={page(c)} t={t} />)}</hx-partial>` : '';
    return c.html(fragment + partial, refusal ? 422 : 200);
  };

  app.post('/review/:sid/turns/:tid/notes', async (c) => {
    const { sid, tid } = c.req.param();
    if (!turnOf(sid, tid)) return notFound(c);
    const form = await c.req.parseBody();
    const r = annotations.addNote(tid, c.get('staff').user.id, str(form.text) ?? '');
    return afterChange(c, sid, tid, isAnnotationRefusal(r) ? r : undefined);
  });

  app.post('/review/:sid/turns/:tid/overrides', async (c) => {
    const { sid, tid } = c.req.param();
    if (!turnOf(sid, tid)) return notFound(c);
    const form = await c.req.parseBody();
    const score = str(form.score)?.trim();
    const r = annotations.override({
      turnId: tid,
      authorId: c.get('staff').user.id,
      keyPointId: str(form.key_point),
      status: str(form.status),
      // "" is no total; anything that is not a number is refused by Annotations, naming the field.
      score: score ? Number(score) : undefined,
      reason: str(form.reason) ?? '',
    });
    return afterChange(c, sid, tid, isAnnotationRefusal(r) ? r : undefined, true);
  });

  // ---- JSON

  app.get('/api/review/sessions', (c) => {
    const f = filterOf(c);
    const { items, total } = listSessions(db, f);
    const snips = f.q ? snippets(db, items.map((s) => s.id), f.q) : new Map();
    return c.json({ total, page: f.page, page_size: PAGE_SIZE, sessions: listJson(items, snips) });
  });

  app.get('/api/review/sessions/:sid', (c) => {
    const tr = transcript(c.req.param('sid'));
    return tr ? c.json(transcriptJson(tr)) : notFound(c);
  });

  app.post('/api/review/sessions/:sid/regrade', (c) => {
    const sid = c.req.param('sid');
    if (!interviews.get(sid)) return notFound(c);
    const ids = regradeSession(db, runner, sid);
    return c.json({ queued: ids.length, grade_ids: ids }, 202);
  });

  const refuse = (c: Context<StaffEnv>, r: AnnotationRefusal) => c.json({ error: r.refused, field: r.field, message: r.message }, 422);

  app.post('/api/review/sessions/:sid/turns/:tid/notes', async (c) => {
    const { sid, tid } = c.req.param();
    if (!turnOf(sid, tid)) return notFound(c);
    const b = await jsonBody(c, NoteBody);
    if (b instanceof Response) return b;
    const r = annotations.addNote(tid, c.get('staff').user.id, b.text);
    if (isAnnotationRefusal(r)) return refuse(c, r);
    return c.json({ note: { id: r.id, turn_id: r.turnId, text: r.text, author: { id: r.authorId, name: c.get('staff').user.name }, at: new Date(r.createdAt).toISOString() } }, 201);
  });

  app.post('/api/review/sessions/:sid/turns/:tid/overrides', async (c) => {
    const { sid, tid } = c.req.param();
    if (!turnOf(sid, tid)) return notFound(c);
    const b = await jsonBody(c, OverrideBody);
    if (b instanceof Response) return b;
    const r = annotations.override({ turnId: tid, authorId: c.get('staff').user.id, keyPointId: b.key_point_id, status: b.status, score: b.score, reason: b.reason ?? '' });
    if (isAnnotationRefusal(r)) return refuse(c, r);
    return c.json(
      {
        override: {
          id: r.id,
          turn_id: r.turnId,
          grade_id: r.gradeId,
          key_point_id: r.keyPointId,
          status: r.status,
          score: r.score,
          previous: r.previous,
          reason: r.reason,
          author: { id: r.authorId, name: c.get('staff').user.name },
          at: new Date(r.createdAt).toISOString(),
        },
      },
      201,
    );
  });

  return app;
}
