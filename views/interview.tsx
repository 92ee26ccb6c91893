// The candidate's pages: choose a scope, then a chat with the interviewer, then a summary.
// Each turn is one <section>; htmx replaces or appends turns, and a pending grade streams in
// over SSE (checks first, then the judge).
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { DIFFICULTIES, KINDS, type Topic } from '../src/bank/classify.ts';
import { extractCode } from '../src/grading/grade.ts';
import type { GradeRow, Session, Turn } from '../src/interview/session.ts';
import type { SummaryFigures, SummaryItem } from '../src/interview/summary.ts';
import { Corrections, topicName } from './bank.tsx';
import { GradeState } from './grade.tsx';
import { Layout, type PageContext } from './layout.tsx';
import { highlightCode, renderMarkdown } from './markdown.ts';

/** A row of checkbox chips: none checked means any. */
function Chips(props: { legend: string; name: string; options: Array<{ value: string; label: string; count?: number }> }) {
  return (
    <fieldset>
      <legend>{props.legend}</legend>
      <div class="chips">
        {props.options.map((o) => (
          <label class="chip">
            <input type="checkbox" name={props.name} value={o.value} />
            <span>
              {o.label}
              {o.count !== undefined && <> <small>{o.count}</small></>}
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

export function StartPage(props: { ctx: PageContext; topicCounts: Array<{ topic: Topic; count: number }>; profile: string; error?: string }) {
  const { ctx } = props;
  const t = ctx.t;
  return (
    <Layout ctx={ctx} title={t.startTitle}>
      <div class="page-head">
        <h1>{t.startTitle}</h1>
        <p class="lead">{t.startIntro}</p>
      </div>
      {props.error && (
        <p class="note warn" role="alert">
          {props.error}
        </p>
      )}
      <form class="start card" method="post" action="/sessions">
        <Chips legend={t.topics} name="topic" options={props.topicCounts.map(({ topic, count }) => ({ value: topic, label: topicName(topic, ctx.lang), count }))} />
        <div class="row">
          <Chips legend={t.kinds} name="kind" options={KINDS.map((k) => ({ value: k, label: t.kind[k]! }))} />
          <Chips legend={t.difficulty} name="difficulty" options={DIFFICULTIES.map((d) => ({ value: d, label: t.level[d]! }))} />
        </div>
        <div class="row">
          <label class="field">
            <span class="label">{t.count}</span>
            <input type="number" name="count" value="5" min="1" max="50" />
          </label>
          <label class="field">
            <span class="label">{t.timePerQuestion}</span>
            <select name="seconds">
              <option value="0">{t.untimed}</option>
              {[3, 5, 10, 15, 20].map((m) => (
                <option value={String(m * 60)}>{t.minutes(m)}</option>
              ))}
            </select>
          </label>
          <label class="field grow">
            <span class="label">{t.profile}</span>
            <input type="text" name="profile" value={props.profile} maxlength={64} autocomplete="nickname" />
            <small>{t.profileHint}</small>
          </label>
        </div>
        <div class="actions">
          <button type="submit" class="primary" name="mode" value="chosen">
            {t.startButton}
          </button>
          <button type="submit" name="mode" value="surprise">
            {t.surprise}
          </button>
        </div>
      </form>
    </Layout>
  );
}

export interface TurnView {
  turn: Turn;
  grade?: GradeRow;
  hints: string[];
  /** 1-based position among the planned questions (follow-ups share their question's). */
  position: number;
  planned: number;
  isCode: boolean;
  /** The latest turn of an active session: it gets the composer or the actions. */
  current: boolean;
  /** A fresh key per render of the composer: a retried submit carries the same one. */
  idempotencyKey?: string;
  deadline?: number;
  hasFollowUp?: boolean;
  lastPlanned?: boolean;
  /** An interviewer runs this session: they move on, hint and ask follow-ups (approved first). */
  assisted?: boolean;
  /** The interviewer has stopped the clock. */
  paused?: boolean;
}

function Question(props: { ctx: PageContext; v: TurnView }) {
  const { ctx, v } = props;
  const q = v.turn.question;
  const t = ctx.t;
  return (
    <div class="msg interviewer">
      <div class="who">{v.turn.followUpOf ? t.followUpLabel : t.progress(v.position, v.planned)}</div>
      {!v.turn.followUpOf && <h2 class="q-title">{q.title}</h2>}
      <div class="md">{raw(renderMarkdown(q.prompt))}</div>
      {!v.turn.followUpOf && (
        <div class="badges">
          <span class={`badge kind-${q.kind}`}>{t.kind[q.kind]}</span>
          <span class={`badge level-${q.difficulty}`}>{t.level[q.difficulty]}</span>
        </div>
      )}
    </div>
  );
}

export function HintBubble(props: { ctx: PageContext; hint: string; index: number }) {
  return (
    <div class="msg hint">
      <span class="who">
        {props.ctx.t.hintLabel} {props.index}
      </span>
      {props.hint}
    </div>
  );
}

function Composer(props: { ctx: PageContext; sid: string; v: TurnView }) {
  const { ctx, sid, v } = props;
  const t = ctx.t;
  const id = v.turn.id;
  const draftAttrs = { 'hx-post': `/s/${sid}/draft`, 'hx-trigger': 'input changed delay:800ms', 'hx-swap': 'none' };
  return (
    <form
      class="composer"
      hx-post={`/s/${sid}/answer`}
      hx-target={`#turn-${id}`}
      hx-swap="outerHTML"
      hx-disable="find button"
      {...{ 'hx-status:422': `target:#error-${id} swap:innerHTML`, 'hx-status:413': `target:#error-${id} swap:innerHTML`, 'hx-status:409': `target:#error-${id} swap:innerHTML`, 'hx-status:429': `target:#error-${id} swap:innerHTML` }}
      data-composer=""
    >
      <input type="hidden" name="idempotency_key" value={v.idempotencyKey} />
      <label class="label" for={`answer-${id}`}>
        {t.yourAnswer}
      </label>
      {v.isCode ? (
        <div class="editor">
          <pre class="gutter" aria-hidden="true">
            1
          </pre>
          <textarea id={`answer-${id}`} name="answer" class="code" spellcheck={false} autocomplete="off" placeholder={t.codePlaceholder} {...draftAttrs}>
            {v.turn.draft ?? ''}
          </textarea>
        </div>
      ) : (
        <textarea id={`answer-${id}`} name="answer" class="prose" rows={8} placeholder={t.answerPlaceholder} {...draftAttrs}>
          {v.turn.draft ?? ''}
        </textarea>
      )}
      <div class="composer-bar">
        {v.isCode && (
          <label class="inline">
            {t.language}
            <select name="language">
              <option value="python">Python</option>
              <option value="javascript">JavaScript</option>
            </select>
          </label>
        )}
        {v.deadline !== undefined && (
          <span class="timer" data-deadline={String(v.deadline)} data-timeup={t.timeUp} aria-live="polite">
            {t.timeLeft}
          </span>
        )}
        {v.paused && <span class="timer paused">{t.clockPaused}</span>}
        <span class="spacer"></span>
        {!v.assisted && (
          <>
            <button type="button" hx-post={`/s/${sid}/hint`} hx-target={`#hints-${id}`} hx-swap="beforeend" title={t.hintCost}>
              {t.hint}
            </button>
            <button type="button" hx-post={`/s/${sid}/next`} hx-swap="none">
              {t.skip}
            </button>
          </>
        )}
        <button type="submit" class="primary">
          {t.submit} <kbd>{t.submitKeys}</kbd>
        </button>
      </div>
      <p class="error" id={`error-${id}`} role="alert"></p>
    </form>
  );
}

export function Actions(props: { ctx: PageContext; sid: string; v: TurnView }) {
  const { ctx, sid, v } = props;
  if (v.assisted) {
    return (
      <p class="msg note waiting" id={`actions-${v.turn.id}`}>
        {ctx.t.interviewerNext}
      </p>
    );
  }
  return (
    <div class="actions" id={`actions-${v.turn.id}`}>
      {v.hasFollowUp && (
        <button type="button" hx-post={`/s/${sid}/follow-up`} hx-swap="none">
          {ctx.t.answerFollowUp}
        </button>
      )}
      <button type="button" class="primary" hx-post={`/s/${sid}/next`} hx-swap="none" autofocus>
        {v.lastPlanned ? ctx.t.toSummary : ctx.t.next}
      </button>
    </div>
  );
}

/** What goes inside the grade area: the grade in its current state, and the actions that follow it. */
export function GradeAreaInner(props: { ctx: PageContext; sid: string; v: TurnView }) {
  const { ctx, sid, v } = props;
  const actions = v.current ? <Actions ctx={ctx} sid={sid} v={v} /> : undefined;
  // While grading, the candidate may already go on; the grade keeps streaming in.
  return (
    <>
      <GradeState ctx={ctx} row={v.grade} actions={actions} hideFollowUp={v.assisted} />
      {v.grade?.status !== 'done' && actions}
    </>
  );
}

/** The grade area of an answered turn: streams while pending (checks first, then the judge). */
export function GradeArea(props: { ctx: PageContext; sid: string; v: TurnView }) {
  const { sid, v } = props;
  const pending = v.grade?.status === 'pending';
  return (
    <div
      class="grade"
      id={`grade-${v.turn.id}`}
      {...(pending && v.grade ? { 'hx-sse:connect': `/s/${sid}/grades/${v.grade.id}/stream`, 'hx-sse:close': 'done' } : {})}
    >
      <GradeAreaInner {...props} />
    </div>
  );
}

function AnswerBubble(props: { ctx: PageContext; v: TurnView }) {
  const { turn } = props.v;
  const code = props.v.isCode;
  return (
    <div class="msg candidate">
      <div class="who">
        {props.ctx.t.yourAnswer}
        {turn.timeTakenMs !== null && <small> · {props.ctx.t.timeTaken(Math.round(turn.timeTakenMs / 1000))}</small>}
      </div>
      {code ? raw(highlightCode(extractCode(turn.answer!), turn.language ?? 'python')) : <div class="answer-text">{turn.answer}</div>}
    </div>
  );
}

export function TurnBlock(props: { ctx: PageContext; sid: string; v: TurnView }) {
  const { ctx, sid, v } = props;
  return (
    <section class={`turn${v.current ? ' current' : ''}`} id={`turn-${v.turn.id}`}>
      <Question ctx={ctx} v={v} />
      <div class="hints" id={`hints-${v.turn.id}`}>
        {v.hints.map((h, i) => (
          <HintBubble ctx={ctx} hint={h} index={i + 1} />
        ))}
      </div>
      {v.turn.status === 'asked' && v.current && <Composer ctx={ctx} sid={sid} v={v} />}
      {v.turn.status === 'answered' && (
        <>
          <AnswerBubble ctx={ctx} v={v} />
          <GradeArea ctx={ctx} sid={sid} v={v} />
        </>
      )}
      {v.turn.status === 'skipped' && <div class="msg note">{ctx.t.skipped}</div>}
    </section>
  );
}

/** What a candidate in an interviewer-run session is told, and the one choice they make. */
function AssistedNotice(props: { ctx: PageContext; session: Session }) {
  const { t } = props.ctx;
  const sid = props.session.id;
  return (
    <div class="card assisted-notice">
      <p>{t.assistedIntro}</p>
      <p class="recorded">{t.assistedRecorded}</p>
      <form method="post" action={`/s/${sid}/consent`} class="inline">
        <input type="hidden" name="share" value={props.session.shareDraft ? '0' : '1'} />
        <span>{props.session.shareDraft ? t.draftShared : t.draftNotShared}</span>{' '}
        <button type="submit">{props.session.shareDraft ? t.stopSharingDraft : t.shareDraft}</button>
      </form>
    </div>
  );
}

export function ChatPage(props: { ctx: PageContext; session: Session; turns: Child[] }) {
  const { ctx, session } = props;
  const t = ctx.t;
  return (
    <Layout ctx={ctx} title={t.startTitle}>
      <div class="chat-head">
        <h1>{t.startTitle}</h1>
        {session.mode === 'solo' && (
          <form method="post" action={`/s/${session.id}/finish`}>
            <button type="submit">{t.finish}</button>
          </form>
        )}
      </div>
      {session.mode === 'assisted' && <AssistedNotice ctx={ctx} session={session} />}
      <div id="chat" class="chat" data-session={session.id} {...(session.mode === 'assisted' ? { 'data-assisted': '' } : {})}>
        {props.turns}
      </div>
    </Layout>
  );
}

export function SummaryPage(props: { ctx: PageContext; session: Session; items: SummaryItem[]; figures: SummaryFigures }) {
  const { ctx, session, items, figures } = props;
  const t = ctx.t;
  const strengths = figures.byTopic.filter((x) => x.score >= 7);
  const gaps = figures.byTopic.filter((x) => x.score < 5);
  return (
    <Layout ctx={ctx} title={t.summaryTitle}>
      <div class="page-head">
        <h1>{t.summaryTitle}</h1>
      </div>
      <section class="card summary-top">
        <div class={`score big ${figures.overall >= 7 ? 'good' : figures.overall >= 4 ? 'fair' : 'poor'}`}>
          <strong>{figures.overall.toFixed(1)}</strong>
          <span>/ 10</span>
        </div>
        <div class="topic-bars">
          <h3>{t.byTopic}</h3>
          {figures.byTopic.map((x) => (
            <div class="bar-row">
              <span class="bar-label">{topicName(x.topic, ctx.lang)}</span>
              {/* SVG, not a style attribute: the Content-Security-Policy allows no inline styles. */}
              <svg class="bar" viewBox="0 0 100 6" preserveAspectRatio="none" role="img" aria-label={`${x.score.toFixed(1)} / 10`}>
                <rect class="track" x="0" y="0" width="100" height="6" rx="3" />
                <rect class="fill" x="0" y="0" width={String(Math.max(1, Math.round(x.score * 10)))} height="6" rx="3" />
              </svg>
              <span class="bar-value">{x.score.toFixed(1)}</span>
            </div>
          ))}
        </div>
        <div class="sg">
          {strengths.length > 0 && (
            <p>
              <strong>{t.strengths}：</strong>
              {strengths.map((x) => topicName(x.topic, ctx.lang)).join('、')}
            </p>
          )}
          {gaps.length > 0 && (
            <p>
              <strong>{t.gaps}：</strong>
              {gaps.map((x) => topicName(x.topic, ctx.lang)).join('、')}
            </p>
          )}
        </div>
      </section>
      {figures.missedPoints.length > 0 && (
        <section class="card">
          <h3>{t.keyPointsMissed}</h3>
          <ul>
            {figures.missedPoints.map((p) => (
              <li>{p}</li>
            ))}
          </ul>
        </section>
      )}
      <h2>{t.questionsAndAnswers}</h2>
      {items.map((it, i) => (
        <article class="card review-item">
          <h3>
            {i + 1}. {it.turn.question.title}
          </h3>
          <div class="md prompt">{raw(renderMarkdown(it.turn.question.prompt))}</div>
          <div class="msg candidate">
            <div class="who">{t.yourAnswer}</div>
            {it.isCode && it.turn.answer ? (
              raw(highlightCode(extractCode(it.turn.answer), it.turn.language ?? 'python'))
            ) : (
              <div class="answer-text">{it.turn.answer ?? t.noAnswer}</div>
            )}
          </div>
          {it.grade && (
            <p class="score-line">
              {t.score}: <strong>{it.grade.score}</strong> / {it.grade.max} · {t.gradedBy[it.grade.grader]}
            </p>
          )}
          {it.grade && it.grade.keyPoints.some((k) => k.status !== 'met') && (
            <p class="missed">
              {t.missed}：{it.grade.keyPoints.filter((k) => k.status !== 'met').map((k) => k.point).join('；')}
            </p>
          )}
          {it.followUps.map((f) => (
            <div class="followup-review">
              <div class="who">
                {t.followUpLabel}：{f.turn.question.prompt}
              </div>
              <div class="answer-text">{f.turn.answer ?? t.noAnswer}</div>
              {f.grade && (
                <p class="score-line">
                  {t.score}: {f.grade.score} / {f.grade.max}
                </p>
              )}
            </div>
          ))}
          {session.mode === 'solo' && (
            <details class="model-answer" open={!it.grade || it.grade.score < it.grade.max * 0.7}>
              <summary>{t.modelAnswer}</summary>
              <div class="md">{raw(renderMarkdown(it.reference))}</div>
              <Corrections ctx={ctx} rubric={it.rubric} />
            </details>
          )}
        </article>
      ))}
      <form method="post" action="/sessions" class="actions">
        {(figures.weakIds.length ? figures.weakIds : items.map((i) => i.turn.questionId)).map((id) => (
          <input type="hidden" name="question_id" value={id} />
        ))}
        {session.profile && <input type="hidden" name="profile" value={session.profile} />}
        <input type="hidden" name="seconds" value={String(session.settings.secondsPerQuestion)} />
        <button type="submit" class="primary" name="mode" value="again" title={t.practiseAgainHint}>
          {t.practiseAgain}
        </button>
        <a class="button-link" href="/">
          {t.newInterview}
        </a>
      </form>
    </Layout>
  );
}
