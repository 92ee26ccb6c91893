// The interviewer's side of an assisted session: the list and the form that starts one, and the
// live view — each turn as it happens with what the candidate never sees (rubric, model answer,
// hidden tests, how the grade was made, integrity signals, the draft if the candidate agreed),
// and the steering panel (next question, follow-up, hint, clock, end).
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { DIFFICULTIES, KINDS, type Topic } from '../src/bank/classify.ts';
import type { Question } from '../src/bank/bank.ts';
import type { Grade } from '../src/grading/types.ts';
import type { GradeRow, Session, Signal, Turn } from '../src/interview/session.ts';
import type { Rubric } from '../src/rubrics/schema.ts';
import { Corrections, topicName } from './bank.tsx';
import { GradeBody, GraderDetails } from './grade.tsx';
import { Layout, type PageContext } from './layout.tsx';
import { highlightCode, renderMarkdown } from './markdown.ts';

export interface AssistedRow {
  session: Session;
  interviewer: string;
  answered: number;
}

const when = (ms: number, lang: string) => new Date(ms).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC';
const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);

function Csrf(props: { ctx: PageContext }) {
  return <input type="hidden" name="_csrf" value={props.ctx.staff?.csrf ?? ''} />;
}

export function InterviewsPage(props: { ctx: PageContext; rows: AssistedRow[]; topicCounts: Array<{ topic: Topic; count: number }>; error?: string }) {
  const { ctx } = props;
  const t = ctx.t;
  return (
    <Layout ctx={ctx} title={t.interviewsTitle}>
      <div class="page-head">
        <h1>{t.interviewsTitle}</h1>
        <p class="lead">{t.interviewsIntro}</p>
      </div>
      {props.error && (
        <p class="note warn" role="alert">
          {props.error}
        </p>
      )}
      <form class="start card" method="post" action="/interviews">
        <Csrf ctx={ctx} />
        <h2>{t.newAssisted}</h2>
        <div class="row">
          <label class="field grow">
            <span class="label">{t.candidateName}</span>
            <input type="text" name="candidate" maxlength={80} required autocomplete="off" />
          </label>
          <label class="field">
            <span class="label">{t.timePerQuestion}</span>
            <select name="seconds">
              <option value="0">{t.untimed}</option>
              {[5, 10, 15, 20, 30].map((m) => (
                <option value={String(m * 60)}>{t.minutes(m)}</option>
              ))}
            </select>
          </label>
        </div>
        <fieldset>
          <legend>{t.pickQuestions}</legend>
          <input
            type="search"
            name="q"
            class="wide"
            placeholder={t.searchPlaceholder}
            aria-label={t.search}
            hx-get="/interviews/questions"
            hx-trigger="input changed delay:300ms, search"
            hx-target="#picker"
          />
          <div id="picker" class="picker">
            <p class="muted">{t.pickHint}</p>
          </div>
        </fieldset>
        <fieldset>
          <legend>{t.orDraw}</legend>
          <div class="chips">
            {props.topicCounts.map(({ topic, count }) => (
              <label class="chip">
                <input type="checkbox" name="topic" value={topic} />
                <span>
                  {topicName(topic, ctx.lang)}
                  <small>{count}</small>
                </span>
              </label>
            ))}
          </div>
          <div class="row">
            <div class="chips">
              {KINDS.map((k) => (
                <label class="chip">
                  <input type="checkbox" name="kind" value={k} />
                  <span>{t.kind[k]}</span>
                </label>
              ))}
            </div>
            <div class="chips">
              {DIFFICULTIES.map((d) => (
                <label class="chip">
                  <input type="checkbox" name="difficulty" value={d} />
                  <span>{t.level[d]}</span>
                </label>
              ))}
            </div>
            <label class="field">
              <span class="label">{t.count}</span>
              <input type="number" name="count" value="5" min="1" max="50" />
            </label>
          </div>
        </fieldset>
        <div class="actions">
          <button type="submit" class="primary">
            {t.createAssisted}
          </button>
        </div>
      </form>
      <h2>{t.assistedSessions}</h2>
      {props.rows.length === 0 ? (
        <p class="muted">{t.noAssisted}</p>
      ) : (
        <table class="table">
          <thead>
            <tr>
              <th>{t.candidateName}</th>
              <th>{t.interviewer}</th>
              <th>{t.started}</th>
              <th>{t.progressLabel}</th>
              <th>{t.statusLabel}</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((r) => (
              <tr>
                <td>
                  <a href={`/live/${r.session.id}`}>{r.session.candidate ?? '—'}</a>
                </td>
                <td>{r.interviewer}</td>
                <td>{when(r.session.createdAt, ctx.lang)}</td>
                <td>
                  {r.answered} / {r.session.plan.length}
                </td>
                <td>{r.session.status === 'finished' ? t.statusFinished : r.session.pausedAt ? t.clockPaused : t.statusActive}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}

/** Search results to pick from: checked boxes become the plan, in the order they were ticked. */
export function QuestionPicker(props: { ctx: PageContext; questions: Question[]; name?: string; type?: 'checkbox' | 'radio' }) {
  const { ctx } = props;
  if (props.questions.length === 0) return <p class="muted">{ctx.t.noResults}</p>;
  return (
    <ul class="pick-list">
      {props.questions.map((q) => (
        <li>
          <label>
            <input type={props.type ?? 'checkbox'} name={props.name ?? 'question_id'} value={q.id} />
            <span>{q.title}</span>
            <small>
              {ctx.t.kind[q.kind]} · {ctx.t.level[q.difficulty]} · {q.topics.map((x) => topicName(x, ctx.lang)).join(', ')}
            </small>
          </label>
        </li>
      ))}
    </ul>
  );
}

/** One turn as the interviewer watches it. */
export interface LiveTurn {
  turn: Turn;
  grade?: GradeRow;
  rubric?: Rubric;
  hints: string[];
  signals: Signal[];
  position: number;
  planned: number;
  isCode: boolean;
}

function Signals(props: { ctx: PageContext; signals: Signal[] }) {
  const { t } = props.ctx;
  if (props.signals.length === 0) return null;
  return (
    <ul class="signals" aria-label={t.integritySignals}>
      {props.signals.map((s) => (
        <li class={`signal signal-${s.kind}`}>
          <time>{clock(s.at)}</time> {s.kind === 'paste' ? t.signalPaste(s.chars ?? 0) : s.kind === 'blur' ? t.signalBlur : t.signalFocus}
        </li>
      ))}
    </ul>
  );
}

/** What changes while the interviewer watches: question, answer or draft, grade, signals. */
export function ObservedTurn(props: { ctx: PageContext; session: Session; v: LiveTurn }) {
  const { ctx, session, v } = props;
  const t = ctx.t;
  const q = v.turn.question;
  const result = v.grade?.result as Grade | null | undefined;
  return (
    <div class="observed" id={`observed-${v.turn.id}`}>
      <div class="msg interviewer">
        <div class="who">
          {v.turn.followUpOf ? t.followUpLabel : t.progress(v.position, v.planned)} · <time>{clock(v.turn.askedAt)}</time>
        </div>
        {!v.turn.followUpOf && <h2 class="q-title">{q.title}</h2>}
        <div class="md">{raw(renderMarkdown(q.prompt))}</div>
      </div>
      {v.hints.map((h, i) => (
        <div class="msg hint">
          <span class="who">
            {t.hintLabel} {i + 1}
          </span>
          {h}
        </div>
      ))}
      <Signals ctx={ctx} signals={v.signals} />
      {v.turn.status === 'asked' &&
        (session.shareDraft && v.turn.draft ? (
          <div class="msg candidate draft">
            <div class="who">{t.draftLive}</div>
            <div class="answer-text">{v.turn.draft}</div>
          </div>
        ) : (
          <p class="msg note">{session.status === 'finished' ? t.skipped : session.shareDraft ? t.waitingForAnswer : t.waitingNoDraft}</p>
        ))}
      {v.turn.status === 'skipped' && <p class="msg note">{t.skipped}</p>}
      {v.turn.answer !== null && (
        <div class="msg candidate">
          <div class="who">
            {t.candidateAnswer}
            {v.turn.timeTakenMs !== null && <small> · {t.timeTaken(Math.round(v.turn.timeTakenMs / 1000))}</small>}
          </div>
          {v.isCode ? raw(highlightCode(v.turn.answer, v.turn.language ?? 'python')) : <div class="answer-text">{v.turn.answer}</div>}
        </div>
      )}
      {v.grade && (
        <div class="grade">
          {v.grade.status === 'failed' && <p class="note warn">{t.gradeFailed}</p>}
          {v.grade.status === 'pending' && !result && (
            <p class="grading">
              <span class="spinner" aria-hidden="true"></span>
              {t.grading}
            </p>
          )}
          {result && (
            <>
              <GradeBody ctx={ctx} grade={result} stage={v.grade.status === 'done' ? 'done' : 'checks'} showHidden />
              <GraderDetails ctx={ctx} grade={result} />
            </>
          )}
        </div>
      )}
    </div>
  );
}

/** The rubric beside the turn: what a good answer makes, and the model answer. Never shown to the candidate before the end. */
function RubricPanel(props: { ctx: PageContext; rubric?: Rubric; followUp: boolean }) {
  const { ctx, rubric } = props;
  const t = ctx.t;
  if (!rubric || props.followUp) return null;
  return (
    <details class="rubric-panel">
      <summary>
        {t.rubricLabel} ({rubric.status === 'curated' ? t.rubricCurated : t.rubricDraft})
      </summary>
      <h4>{t.keyPoints}</h4>
      <ul>
        {rubric.key_points.map((k) => (
          <li>
            {k.point} <small>×{k.weight}</small>
          </li>
        ))}
      </ul>
      {rubric.misconceptions.length > 0 && (
        <>
          <h4>{t.misconceptionsLabel}</h4>
          <ul>
            {rubric.misconceptions.map((m) => (
              <li>
                {m.claim} → {m.correction}
              </li>
            ))}
          </ul>
        </>
      )}
      <h4>{t.modelAnswer}</h4>
      <div class="md">{raw(renderMarkdown(rubric.model_answer))}</div>
      <Corrections ctx={ctx} rubric={rubric} />
    </details>
  );
}

/** A whole turn: the observed part (replaced live) and what stays put while the interviewer types (rubric, notes). */
export function LiveTurnBlock(props: { ctx: PageContext; session: Session; v: LiveTurn; annotations?: Child }) {
  const { ctx, session, v } = props;
  return (
    <section class="turn live-turn" id={`lturn-${v.turn.id}`}>
      <ObservedTurn ctx={ctx} session={session} v={v} />
      <RubricPanel ctx={ctx} rubric={v.rubric} followUp={!!v.turn.followUpOf} />
      {props.annotations}
    </section>
  );
}

export interface SteerView {
  session: Session;
  current?: Turn;
  hintsLeft: number;
  nextHint?: string;
  suggestion?: string;
  upcoming: Question[];
  error?: string;
}

/** The interviewer's controls. Replaced only when the state they depend on changes, so typing is never lost to an update. */
export function SteerPanel(props: { ctx: PageContext; s: SteerView }) {
  const { ctx, s } = props;
  const t = ctx.t;
  const sid = s.session.id;
  const cur = s.current;
  const finished = s.session.status === 'finished';
  const htmx = (path: string) => ({ method: 'post' as const, action: `/live/${sid}/${path}`, 'hx-post': `/live/${sid}/${path}`, 'hx-target': '#steer', 'hx-swap': 'outerHTML' });
  return (
    <aside class="steer card" id="steer" data-state={steerState(s)}>
      <h2>{t.steerTitle}</h2>
      {s.error && (
        <p class="note warn" role="alert">
          {s.error}
        </p>
      )}
      {finished ? (
        <p>{t.statusFinished}</p>
      ) : (
        <>
          {cur?.status === 'answered' && (
            <form {...htmx('follow-up')} class="steer-block">
              <Csrf ctx={ctx} />
              <label class="field">
                <span class="label">{t.followUpToAsk}</span>
                <textarea name="text" rows={3} maxlength={2000}>
                  {s.suggestion ?? ''}
                </textarea>
                <small>{t.followUpApprove}</small>
              </label>
              <button type="submit">{t.askFollowUp}</button>
            </form>
          )}
          <form {...htmx('next')} class="steer-block">
            <Csrf ctx={ctx} />
            <span class="label">{t.nextQuestion}</span>
            {s.upcoming.length > 0 && (
              <select name="question_id" aria-label={t.nextQuestion}>
                {s.upcoming.map((q) => (
                  <option value={q.id}>{q.title}</option>
                ))}
              </select>
            )}
            <input
              type="search"
              name="q"
              placeholder={t.searchOtherQuestion}
              aria-label={t.searchOtherQuestion}
              hx-get={`/interviews/questions?pick=radio`}
              hx-trigger="input changed delay:300ms, search"
              hx-target="#next-picker"
            />
            <div id="next-picker" class="picker"></div>
            <button type="submit" class="primary">
              {s.upcoming.length === 0 ? t.askPickedOrEnd : cur?.status === 'asked' ? t.skipToNext : t.askNext}
            </button>
          </form>
          {cur?.status === 'asked' && (
            <form {...htmx('hint')} class="steer-block">
              <Csrf ctx={ctx} />
              <button type="submit" disabled={s.hintsLeft === 0} title={s.nextHint}>
                {t.giveHint} ({s.hintsLeft})
              </button>
              {s.nextHint && <small class="muted">{s.nextHint}</small>}
            </form>
          )}
          <div class="steer-block row">
            <form {...htmx('pause')}>
              <Csrf ctx={ctx} />
              <input type="hidden" name="paused" value={s.session.pausedAt ? '0' : '1'} />
              <button type="submit">{s.session.pausedAt ? t.resumeClock : t.pauseClock}</button>
            </form>
            <form method="post" action={`/live/${sid}/finish`}>
              <Csrf ctx={ctx} />
              <button type="submit" class="danger">
                {t.endInterview}
              </button>
            </form>
            <form method="post" action={`/live/${sid}/link`}>
              <Csrf ctx={ctx} />
              <button type="submit" title={t.newLinkHint}>
                {t.newLink}
              </button>
            </form>
          </div>
        </>
      )}
    </aside>
  );
}

/** What the steering panel depends on: when this changes, the live view replaces the panel. */
export function steerState(s: SteerView): string {
  return [s.session.status, s.session.pausedAt ? 'paused' : 'running', s.current?.id, s.current?.status, s.hintsLeft, s.session.plan.join(',')].join('|');
}

/** The head of the live view: who, where they are, the clock. */
export function LiveState(props: { ctx: PageContext; session: Session; answered: number; deadline?: number }) {
  const { ctx, session } = props;
  const t = ctx.t;
  return (
    <div class="live-state" id="live-state">
      <span class={`status status-${session.status}`}>{session.status === 'finished' ? t.statusFinished : session.pausedAt ? t.clockPaused : t.statusActive}</span>
      <span>
        {t.progressLabel}: {props.answered} / {session.plan.length}
      </span>
      <span>{session.shareDraft ? t.candidateShares : t.candidateNotSharing}</span>
      {props.deadline !== undefined && (
        <span class="timer" data-deadline={String(props.deadline)} data-timeup={t.timeUp}>
          {t.timeLeft}
        </span>
      )}
    </div>
  );
}

export function LivePage(props: { ctx: PageContext; session: Session; link?: string; state: Child; turns: Child[]; steer: Child }) {
  const { ctx, session } = props;
  const t = ctx.t;
  return (
    <Layout ctx={ctx} title={`${t.liveTitle} · ${session.candidate ?? ''}`}>
      <div class="chat-head">
        <h1>
          {t.liveTitle}: {session.candidate ?? '—'}
        </h1>
        <a href={`/review/${session.id}`}>{t.openTranscript}</a>
      </div>
      {props.link && (
        <div class="card link-card" role="status">
          <p>{t.candidateLinkOnce}</p>
          <input type="text" readonly value={props.link} class="wide mono" aria-label={t.candidateLink} />
        </div>
      )}
      {props.state}
      <div class="live-grid">
        <div id="live-turns" class="chat">
          {props.turns}
        </div>
        {props.steer}
      </div>
      {/* Every change in the session arrives here as partials that replace what changed. */}
      {session.status === 'active' && <div hx-sse:connect={`/live/${session.id}/events?turns=${props.turns.length}`} hx-sse:close="done" hx-swap="none"></div>}
    </Layout>
  );
}
