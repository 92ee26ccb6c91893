// Transcript review for interviewers and reviewers: the list of interviews, one interview's
// transcript (the AI grade and the human one side by side, tests including hidden ones, integrity
// signals, regrades), and each turn's annotations (notes, overrides and their forms), which htmx
// swaps in place after a change. Everything a candidate typed is rendered as text.
import { raw } from 'hono/html';
import { TOPICS, type Topic } from '../src/bank/classify.ts';
import { extractCode } from '../src/grading/grade.ts';
import type { Grade } from '../src/grading/types.ts';
import { STATUSES, type NoteView, type OverrideView } from '../src/review/annotations.ts';
import { filterParams, MODES, REVIEW_FLAGS, type ReviewFilter, type SessionListItem, type Snippet } from '../src/review/sessions.ts';
import { testInputs, type SignalRow, type Transcript, type TranscriptTurn } from '../src/review/transcript.ts';
import { Corrections, topicName } from './bank.tsx';
import { Misconceptions } from './grade.tsx';
import { Layout, type PageContext } from './layout.tsx';
import { highlightCode, renderMarkdown } from './markdown.ts';
import { CoverageBars, ProgressLine, TopicBars, type CoverageRow } from './review-charts.tsx';
import { REVIEW_TEXTS, type ReviewTexts } from './review-i18n.ts';

const texts = (ctx: PageContext): ReviewTexts => REVIEW_TEXTS[ctx.lang];
const pad = (n: number) => String(n).padStart(2, '0');

/** A time in the server's zone, as the date filters read it. */
export function when(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
const day = (ms: number) => when(ms).slice(0, 10);
const who = (s: { candidate: string | null; profile: string | null }) => s.candidate ?? s.profile ?? '—';
const show = (v: unknown) => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 160 ? `${s.slice(0, 157)}...` : s;
};

function Flags(props: { ctx: PageContext; flags: readonly string[] }) {
  if (!props.flags.length) return null;
  const tx = texts(props.ctx);
  return (
    <ul class="rv-flags">
      {props.flags.map((f) => (
        <li class={`rv-flag rv-flag-${f}`}>{tx.flags[f] ?? props.ctx.t.flagNames[f] ?? f}</li>
      ))}
    </ul>
  );
}

// ---- The list

function Select(props: { name: string; label: string; value?: string; options: Array<[string, string]>; any: string }) {
  return (
    <label class="field">
      <span class="label">{props.label}</span>
      <select name={props.name}>
        <option value="">{props.any}</option>
        {props.options.map(([v, l]) => (
          <option value={v} selected={props.value === v}>
            {l}
          </option>
        ))}
      </select>
    </label>
  );
}

export function ReviewListPage(props: { ctx: PageContext; filter: ReviewFilter; items: SessionListItem[]; total: number; pageSize: number; snippets: Map<string, Snippet> }) {
  const { ctx, filter: f } = props;
  const tx = texts(ctx);
  const pages = Math.max(1, Math.ceil(props.total / props.pageSize));
  const link = (page: number) => {
    const q = filterParams(f, page).toString();
    return `/review${q ? `?${q}` : ''}`;
  };
  const exportQuery = filterParams(f).toString();
  return (
    <Layout ctx={ctx} title={tx.reviewTitle}>
      <div class="page-head">
        <h1>{tx.reviewTitle}</h1>
        <p class="lead">{tx.reviewIntro}</p>
      </div>
      <form class="rv-filters no-print" method="get" action="/review" role="search">
        <label class="field">
          <span class="label">{tx.candidate}</span>
          <input type="text" name="candidate" value={f.candidate ?? ''} maxlength={80} />
        </label>
        <Select name="topic" label={tx.topic} value={f.topic} any={tx.any} options={(Object.keys(TOPICS) as Topic[]).map((t) => [t, topicName(t, ctx.lang)])} />
        <label class="field">
          <span class="label">{tx.from}</span>
          <input type="date" name="from" value={f.from ?? ''} />
        </label>
        <label class="field">
          <span class="label">{tx.to}</span>
          <input type="date" name="to" value={f.to ?? ''} />
        </label>
        <Select name="flag" label={tx.flagsLabel} value={f.flag} any={tx.any} options={REVIEW_FLAGS.map((x) => [x, tx.flags[x]!])} />
        <Select name="mode" label={tx.mode} value={f.mode} any={tx.any} options={MODES.map((m) => [m, tx.modes[m]!])} />
        <label class="field rv-q">
          <span class="label">{tx.searchAnswers}</span>
          <input type="search" name="q" value={f.q ?? ''} placeholder={tx.searchPlaceholder} maxlength={200} />
        </label>
        <div class="actions">
          <button type="submit" class="primary">
            {tx.filter}
          </button>
          <a href="/review">{tx.clear}</a>
        </div>
      </form>
      <p class="count">
        {tx.found(props.total)}
        <span class="rv-export no-print">
          {' · '}
          {tx.exportAs}: <a href={`/review/export.md${exportQuery ? `?${exportQuery}` : ''}`}>Markdown</a> · <a href={`/review/export.json${exportQuery ? `?${exportQuery}` : ''}`}>JSON</a>
        </span>
      </p>
      {props.items.length === 0 ? (
        <p class="empty">{tx.none}</p>
      ) : (
        <table class="rv-table">
          <thead>
            <tr>
              <th>{tx.candidate}</th>
              <th>{tx.date}</th>
              <th>{tx.mode}</th>
              <th class="num">{tx.score}</th>
              <th class="num">{tx.questions}</th>
              <th>{tx.flagsLabel}</th>
            </tr>
          </thead>
          <tbody>
            {props.items.map((s) => {
              const snip = props.snippets.get(s.id);
              return (
                <>
                  <tr class={snip ? 'has-snippet' : undefined}>
                    <td>
                      <a href={`/review/${s.id}`}>{who(s)}</a>
                      {s.status === 'active' && <small class="rv-muted"> · {tx.sessionStatus.active}</small>}
                    </td>
                    <td>{when(s.createdAt)}</td>
                    <td>{tx.modes[s.mode]}</td>
                    <td class="num">{s.overall === null ? '—' : `${s.overall.toFixed(1)} / 10`}</td>
                    <td class="num">{`${s.answered} / ${s.questions}`}</td>
                    <td>
                      <Flags ctx={ctx} flags={s.flags} />
                    </td>
                  </tr>
                  {snip && (
                    <tr class="rv-snippet">
                      <td colspan={6}>
                        {snip.before}
                        <mark>{snip.match}</mark>
                        {snip.after}
                      </td>
                    </tr>
                  )}
                </>
              );
            })}
          </tbody>
        </table>
      )}
      {pages > 1 && (
        <nav class="rv-pages no-print" aria-label={tx.page(f.page, pages)}>
          {f.page > 1 ? <a href={link(f.page - 1)}>{tx.previous}</a> : <span />}
          <span>{tx.page(Math.min(f.page, pages), pages)}</span>
          {f.page < pages ? <a href={link(f.page + 1)}>{tx.next}</a> : <span />}
        </nav>
      )}
    </Layout>
  );
}

// ---- One transcript

/** Prose with fenced code in it: the code as code, the rest as text. */
function splitFences(answer: string): Array<{ text: string } | { code: string; lang: string }> {
  const out: Array<{ text: string } | { code: string; lang: string }> = [];
  const fence = /```([\w+#.-]*)[^\S\n]*\n([\s\S]*?)```/g;
  let at = 0;
  for (let m = fence.exec(answer); m; m = fence.exec(answer)) {
    if (m.index > at) out.push({ text: answer.slice(at, m.index) });
    out.push({ code: m[2]!.replace(/\s+$/, ''), lang: m[1] ?? '' });
    at = m.index + m[0].length;
  }
  if (at < answer.length) out.push({ text: answer.slice(at) });
  return out.filter((p) => !('text' in p) || p.text.trim() !== '');
}

function Answer(props: { ctx: PageContext; t: TranscriptTurn }) {
  const { turn, isCode } = props.t;
  const tx = texts(props.ctx);
  if (turn.answer === null) return <p class="rv-muted">{turn.status === 'skipped' ? tx.skipped : tx.noAnswer}</p>;
  // highlightCode escapes the code (highlight.js escapes every character it emits).
  if (isCode) return raw(highlightCode(extractCode(turn.answer), turn.language ?? 'python'));
  return (
    <div class="rv-answer-body">
      {splitFences(turn.answer).map((p) => ('code' in p ? raw(highlightCode(p.code, p.lang)) : <div class="answer-text">{p.text}</div>))}
    </div>
  );
}

function StatusMark(props: { ctx: PageContext; status: string }) {
  const mark = props.status === 'met' ? '✓' : props.status === 'partial' ? '◐' : '✗';
  return (
    <span class={`rv-status kp-${props.status}`}>
      <span aria-hidden="true">{mark}</span> {texts(props.ctx).status[props.status] ?? props.status}
    </span>
  );
}

/** The AI grade and the human one, side by side. Re-rendered (as an htmx partial) after an override. */
export function GradeComparison(props: { ctx: PageContext; t: TranscriptTurn }) {
  const { ctx, t } = props;
  const tx = texts(ctx);
  const id = `grades-${t.turn.id}`;
  if (!t.grade) return <div class="rv-grades" id={id}></div>;
  if (!t.ai || !t.human) {
    return (
      <div class="rv-grades" id={id}>
        <p class={t.grade.status === 'failed' ? 'note warn' : 'note'}>{t.grade.status === 'failed' ? tx.gradeFailed : tx.gradePending}</p>
      </div>
    );
  }
  const g: Grade = t.ai;
  const h = t.human;
  return (
    <div class="rv-grades" id={id}>
      <table class="rv-kps">
        <thead>
          <tr>
            <th>{h.keyPoints.length > 0 && tx.keyPoint}</th>
            <th class="num">{h.keyPoints.length > 0 && tx.weight}</th>
            <th>{tx.aiGrade}</th>
            <th>{tx.humanGrade}</th>
          </tr>
        </thead>
        <tbody>
          {h.keyPoints.map((k) => {
            const a = g.keyPoints.find((x) => x.id === k.id)!;
            return (
              <tr class={k.override ? 'rv-changed' : undefined}>
                <td>{k.point}</td>
                <td class="num">{String(k.weight)}</td>
                <td>
                  <StatusMark ctx={ctx} status={k.ai} />
                  <small class="rv-muted"> · {tx.by[a.by] ?? a.by}</small>
                  {a.evidence && <q class="rv-evidence">{a.evidence}</q>}
                </td>
                <td>
                  {k.override ? (
                    <>
                      <StatusMark ctx={ctx} status={k.status} />
                      <small class="rv-who">
                        {k.override.authorName} · {when(k.override.createdAt)} · {k.override.reason}
                      </small>
                    </>
                  ) : (
                    <span class="rv-muted">{tx.unchanged}</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
        <tfoot>
          <tr class={h.scoreOverride ? 'rv-changed' : undefined}>
            <th>{tx.total}</th>
            <td></td>
            <td>
              <strong>{String(g.score)}</strong> / {String(g.max)}
            </td>
            <td>
              <strong>{String(h.score)}</strong> / {String(h.max)}
              {h.scoreOverride && (
                <small class="rv-who">
                  {h.scoreOverride.authorName} · {when(h.scoreOverride.createdAt)} · {h.scoreOverride.reason}
                </small>
              )}
            </td>
          </tr>
        </tfoot>
      </table>
      {h.totalStale && <p class="note rv-stale">{tx.totalStale}</p>}
      <p class="rv-meta-line">
        {tx.grader}: {ctx.t.gradedBy[g.grader] ?? g.grader}
        {g.model && ` · ${tx.model}: ${g.model}`} · {tx.rubric}: <code>{g.rubricHash}</code>
      </p>
      <Flags ctx={ctx} flags={g.flags} />
      <Misconceptions title={tx.misconceptions} items={g.misconceptions} />
      {(g.feedback.summary || g.feedback.good.length + g.feedback.missing.length + g.feedback.wrong.length > 0) && (
        <div class="rv-feedback">
          <h4>{tx.feedback}</h4>
          {g.feedback.summary && <p>{g.feedback.summary}</p>}
          {(['good', 'missing', 'wrong'] as const).map(
            (kind) =>
              g.feedback[kind].length > 0 && (
                <div class={`fb ${kind}`}>
                  <h5>{ctx.t[kind]}</h5>
                  <ul>
                    {g.feedback[kind].map((x) => (
                      <li>{x}</li>
                    ))}
                  </ul>
                </div>
              ),
          )}
        </div>
      )}
    </div>
  );
}

/** Every test, hidden ones included: reviewers see what the candidate could not. */
function Tests(props: { ctx: PageContext; t: TranscriptTurn }) {
  const code = props.t.ai?.code;
  if (!code) return null;
  const tx = texts(props.ctx);
  const inputs = testInputs(props.t);
  return (
    <div class="rv-tests">
      <h4>
        {tx.tests}: {code.passed}/{code.total}
        {code.hiddenTotal > 0 && (
          <small>
            {' '}
            · {tx.hidden} {code.hiddenPassed}/{code.hiddenTotal}
          </small>
        )}
      </h4>
      {code.notRun && <p class="note warn">{code.notRun}</p>}
      <table class="rv-test-table">
        <thead>
          <tr>
            <th>#</th>
            <th>{tx.args}</th>
            <th>{tx.expected}</th>
            <th>{tx.actual}</th>
            <th>{tx.verdict}</th>
          </tr>
        </thead>
        <tbody>
          {code.tests.map((x) => {
            const io = inputs.get(x.index);
            return (
              <tr class={`${x.verdict === 'passed' ? 'pass' : 'fail'}${x.hidden ? ' rv-hidden-test' : ''}`}>
                <td>
                  {x.index + 1}
                  {x.hidden && <small> ({tx.hidden})</small>}
                </td>
                <td>
                  <code>{io ? show(io.args) : '—'}</code>
                </td>
                <td>
                  <code>{io ? show(io.expected) : '—'}</code>
                </td>
                <td>
                  <code>{x.error ? x.error.split('\n')[0] : x.actual !== undefined ? show(x.actual) : ''}</code>
                </td>
                <td>{x.verdict.replace(/_/g, ' ')}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {code.violations.length > 0 && (
        <ul class="fb wrong">
          {code.violations.map((v) => (
            <li>
              {v.line ? `L${v.line}: ` : ''}
              {v.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Regrade(props: { ctx: PageContext; t: TranscriptTurn }) {
  const r = props.t.regrade;
  if (!r) return null;
  const tx = texts(props.ctx);
  const d = r.diff;
  const col = (o: typeof d.original, done: boolean) => (
    <>
      <td>{done && o.score !== null ? `${o.score} / ${o.max}` : (tx.status[d.status] ?? d.status)}</td>
      <td>{o.grader ? (props.ctx.t.gradedBy[o.grader] ?? o.grader) : '—'}</td>
      <td>{o.model ?? '—'}</td>
      <td>
        <code>{o.rubricHash ?? '—'}</code>
      </td>
      <td>{when(o.at)}</td>
    </>
  );
  return (
    <div class="rv-regrade">
      <h4>
        {tx.regradeCompare}
        {d.scoreDelta !== undefined && (
          <span class={`rv-delta ${d.scoreDelta > 0 ? 'up' : d.scoreDelta < 0 ? 'down' : ''}`}>
            {' '}
            {tx.delta} {d.scoreDelta > 0 ? '+' : ''}
            {String(d.scoreDelta)}
          </span>
        )}
        {d.status === 'done' && <small> · {d.rubricChanged ? tx.rubricChanged : tx.rubricSame}</small>}
      </h4>
      <table class="rv-regrade-table">
        <thead>
          <tr>
            <th></th>
            <th>{tx.score}</th>
            <th>{tx.grader}</th>
            <th>{tx.model}</th>
            <th>{tx.rubric}</th>
            <th>{tx.date}</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th>{tx.original}</th>
            {col(d.original, true)}
          </tr>
          <tr>
            <th>{tx.latestRegrade}</th>
            {col(d.regrade, d.status === 'done')}
          </tr>
        </tbody>
      </table>
      {d.status === 'done' &&
        (d.keyPoints.length ? (
          <>
            <p>{tx.keyPointChanges}:</p>
            <ul class="rv-kp-changes">
              {d.keyPoints.map((k) => (
                <li>
                  {k.point}: {k.before ? tx.status[k.before] : '—'} → {k.after ? tx.status[k.after] : '—'}
                </li>
              ))}
            </ul>
          </>
        ) : (
          <p class="rv-muted">{tx.noKeyPointChanges}</p>
        ))}
    </div>
  );
}

function Signals(props: { ctx: PageContext; signals: SignalRow[]; title: string }) {
  if (!props.signals.length) return null;
  const tx = texts(props.ctx);
  return (
    <div class="rv-signals">
      <h4>{props.title}</h4>
      <ul>
        {props.signals.map((s) => (
          <li class={`rv-signal-${s.kind}`}>
            <time datetime={new Date(s.at).toISOString()}>{when(s.at)}</time> {tx.signalKind[s.kind] ?? s.kind}
            {s.chars !== null && ` · ${tx.chars(s.chars)}`}
          </li>
        ))}
      </ul>
    </div>
  );
}

export interface AnnotationsProps {
  ctx: PageContext;
  sid: string;
  turnId: string;
  /** The turn's AI grade once done: its key points are what can be overridden. */
  grade?: Grade;
  notes: NoteView[];
  overrides: OverrideView[];
  /** A refused change, shown beside the forms. */
  error?: { field: string; message: string };
  /** Where the forms post; the review routes by default. */
  action?: string;
}

/** A turn's notes and override history, with the forms to add to them. */
export function TurnAnnotations(props: AnnotationsProps) {
  const { ctx, grade } = props;
  const tx = texts(ctx);
  const id = `ann-${props.turnId}`;
  const base = props.action ?? `/review/${props.sid}/turns/${props.turnId}`;
  const csrf = ctx.staff?.csrf;
  const points = new Map(grade?.keyPoints.map((k) => [k.id, k.point]) ?? []);
  const swap = { 'hx-target': `#${id}`, 'hx-swap': 'outerHTML' };
  return (
    <section class="rv-annotations" id={id}>
      <div class="rv-history">
        <h4>{tx.overrides}</h4>
        {props.overrides.length === 0 ? (
          <p class="rv-muted">{tx.noOverrides}</p>
        ) : (
          <ol class="rv-overrides">
            {props.overrides.map((o) => (
              <li>
                <span class="rv-who">
                  {when(o.createdAt)} · {o.authorName}
                </span>{' '}
                {o.keyPointId ? (
                  <>
                    {points.get(o.keyPointId) ?? o.keyPointId}: {tx.status[o.previous ?? ''] ?? o.previous} → {tx.status[o.status ?? ''] ?? o.status}
                  </>
                ) : (
                  <>
                    {tx.total}: {o.previous} → {String(o.score)}
                  </>
                )}
                <div class="rv-reason">{o.reason}</div>
              </li>
            ))}
          </ol>
        )}
        <h4>{tx.notes}</h4>
        {props.notes.length === 0 ? (
          <p class="rv-muted">{tx.noNotes}</p>
        ) : (
          <ul class="rv-notes">
            {props.notes.map((n) => (
              <li>
                <span class="rv-who">
                  {when(n.createdAt)} · {n.authorName}
                </span>
                <div class="answer-text">{n.text}</div>
              </li>
            ))}
          </ul>
        )}
      </div>
      {props.error && (
        <p class="error rv-error" role="alert" data-field={props.error.field}>
          {props.error.message}
        </p>
      )}
      {csrf && (
        <div class="rv-forms no-print">
          {grade ? (
            <>
              {grade.keyPoints.length > 0 && (
                <form class="rv-form" method="post" action={`${base}/overrides`} hx-post={`${base}/overrides`} {...swap}>
                  <input type="hidden" name="_csrf" value={csrf} />
                  <strong>{tx.changeKeyPoint}</strong>
                  <select name="key_point" required aria-label={tx.keyPoint}>
                    {grade.keyPoints.map((k) => (
                      <option value={k.id}>{k.point}</option>
                    ))}
                  </select>
                  <select name="status" aria-label={tx.newStatus}>
                    {STATUSES.map((s) => (
                      <option value={s}>{tx.status[s]}</option>
                    ))}
                  </select>
                  <input type="text" name="reason" required maxlength={2000} placeholder={tx.reasonPlaceholder} aria-label={tx.reason} />
                  <button type="submit">{tx.save}</button>
                </form>
              )}
              <form class="rv-form" method="post" action={`${base}/overrides`} hx-post={`${base}/overrides`} {...swap}>
                <input type="hidden" name="_csrf" value={csrf} />
                <strong>{tx.changeTotal}</strong>
                <input type="number" name="score" required min="0" max={String(grade.max)} step="0.1" aria-label={tx.total} />
                <span>/ {String(grade.max)}</span>
                <input type="text" name="reason" required maxlength={2000} placeholder={tx.reasonPlaceholder} aria-label={tx.reason} />
                <button type="submit">{tx.save}</button>
              </form>
            </>
          ) : (
            <p class="rv-muted">{tx.notGradedYet}</p>
          )}
          <form class="rv-form rv-note-form" method="post" action={`${base}/notes`} hx-post={`${base}/notes`} {...swap}>
            <input type="hidden" name="_csrf" value={csrf} />
            <textarea name="text" rows={2} required maxlength={5000} placeholder={tx.notePlaceholder} aria-label={tx.addNote}></textarea>
            <button type="submit">{tx.addNote}</button>
          </form>
        </div>
      )}
    </section>
  );
}

function TurnArticle(props: { ctx: PageContext; sid: string; t: TranscriptTurn }) {
  const { ctx, t } = props;
  const tx = texts(ctx);
  const q = t.turn.question;
  return (
    <article class={`card rv-turn${t.turn.followUpOf ? ' rv-follow-up' : ''}`} id={`turn-${t.turn.id}`}>
      <header class="rv-turn-head">
        <h2>
          {t.turn.followUpOf ? `${tx.followUpOf(t.position)}` : `${t.position}. ${q.title}`}
          {t.turn.status === 'skipped' && <small class="rv-muted"> · {tx.skipped}</small>}
        </h2>
        {!t.turn.followUpOf && (
          <span class="badges">
            <span class={`badge kind-${q.kind}`}>{ctx.t.kind[q.kind] ?? q.kind}</span>
            <span class={`badge level-${q.difficulty}`}>{ctx.t.level[q.difficulty] ?? q.difficulty}</span>
            {q.topics.map((x) => (
              <span class="badge topic">{x in TOPICS ? topicName(x as Topic, ctx.lang) : x}</span>
            ))}
          </span>
        )}
      </header>
      <div class="md prompt">{raw(renderMarkdown(q.prompt))}</div>
      <h3>{tx.answer}</h3>
      <Answer ctx={ctx} t={t} />
      <p class="rv-meta-line">
        {[
          t.turn.language && `${tx.language}: ${t.turn.language}`,
          t.turn.answeredAt !== null && `${tx.answeredAt}: ${when(t.turn.answeredAt)}`,
          t.turn.timeTakenMs !== null && tx.timeTaken(t.turn.timeTakenMs),
          t.turn.hintsUsed > 0 && tx.hintsUsed(t.turn.hintsUsed),
        ]
          .filter(Boolean)
          .join(' · ')}
      </p>
      {t.hints.length > 0 && (
        <ol class="rv-hints">
          {t.hints.map((h) => (
            <li>{h}</li>
          ))}
        </ol>
      )}
      <GradeComparison ctx={ctx} t={t} />
      <Tests ctx={ctx} t={t} />
      <Regrade ctx={ctx} t={t} />
      <Signals ctx={ctx} signals={t.signals} title={tx.signals} />
      {t.turn.status === 'answered' && <TurnAnnotations ctx={ctx} sid={props.sid} turnId={t.turn.id} grade={t.ai} notes={t.notes} overrides={t.overrides} />}
      {t.rubric && !t.turn.followUpOf && (
        // Not a <details>: a closed one would not print.
        <section class="rv-model">
          <h3>{tx.modelAnswer}</h3>
          <div class="md">{raw(renderMarkdown(t.rubric.model_answer))}</div>
          <Corrections ctx={ctx} rubric={t.rubric} />
        </section>
      )}
    </article>
  );
}

function coverageRows(tr: Transcript): CoverageRow[] {
  return tr.turns
    .filter((t) => t.human)
    .map((t) => {
      const n = { met: 0, partial: 0, missed: 0 };
      for (const k of t.human!.keyPoints) n[k.status]++;
      return { label: t.turn.followUpOf ? `${t.position}+` : String(t.position), ...n };
    });
}

export function TranscriptPage(props: { ctx: PageContext; tr: Transcript; notice?: string }) {
  const { ctx, tr } = props;
  const tx = texts(ctx);
  const s = tr.session;
  const flags = new Set<string>();
  for (const t of tr.turns) {
    for (const f of t.ai?.flags ?? []) if ((REVIEW_FLAGS as readonly string[]).includes(f)) flags.add(f);
    if (t.overrides.length) flags.add('overrides');
    if (t.signals.length) flags.add('signals');
  }
  if (tr.sessionSignals.length) flags.add('signals');
  const coverage = coverageRows(tr);
  return (
    <Layout ctx={ctx} title={`${tx.transcriptOf} ${who(s)}`}>
      <p class="crumb no-print">
        <a href="/review">{tx.backToList}</a>
      </p>
      <div class="page-head rv-head">
        <h1>
          {tx.transcriptOf} {who(s)}
        </h1>
        <dl class="rv-meta">
          <dt>{tx.date}</dt>
          <dd>{when(s.createdAt)}</dd>
          <dt>{tx.mode}</dt>
          <dd>
            {tx.modes[s.mode]} · {tx.sessionStatus[s.status]}
          </dd>
          {tr.interviewer && (
            <>
              <dt>{tx.interviewer}</dt>
              <dd>{tr.interviewer.name}</dd>
            </>
          )}
          <dt>{tx.overall}</dt>
          <dd>
            <strong>{tr.overall.toFixed(1)}</strong> / 10
          </dd>
          <dt>{tx.session}</dt>
          <dd>
            <code>{s.id}</code>
          </dd>
        </dl>
        <Flags ctx={ctx} flags={REVIEW_FLAGS.filter((f) => flags.has(f))} />
        <div class="rv-actions no-print">
          <span>
            {tx.exportAs}: <a href={`/review/${s.id}/export.md`}>Markdown</a> · <a href={`/review/${s.id}/export.json`}>JSON</a>
          </span>
          {ctx.staff && (
            <form method="post" action={`/review/${s.id}/regrade`} class="inline">
              <input type="hidden" name="_csrf" value={ctx.staff.csrf} />
              <button type="submit" title={tx.regradeHint}>
                {tx.regradeButton}
              </button>
            </form>
          )}
        </div>
        {props.notice && (
          <p class="note no-print" role="status">
            {props.notice}
          </p>
        )}
        <p class="rv-muted no-print">{tx.printHint}</p>
      </div>
      <section class="card rv-charts">
        <figure>
          <figcaption>{tx.byTopic}</figcaption>
          <TopicBars title={tx.byTopic} rows={tr.byTopic.map((x) => ({ label: topicName(x.topic, ctx.lang), score: x.score }))} />
        </figure>
        {coverage.length > 0 && (
          <figure>
            <figcaption>{tx.coverage}</figcaption>
            <CoverageBars title={tx.coverage} rows={coverage} names={{ met: tx.status.met!, partial: tx.status.partial!, missed: tx.status.missed! }} />
          </figure>
        )}
        <figure>
          <figcaption>{tx.progress}</figcaption>
          <ProgressLine title={tx.progress} points={tr.progress.map((p) => ({ at: p.createdAt, score: p.overall, current: p.id === s.id, label: day(p.createdAt) }))} />
          {tr.progress.length <= 1 && <p class="rv-muted">{tx.progressOne}</p>}
        </figure>
      </section>
      <Signals ctx={ctx} signals={tr.sessionSignals} title={tx.sessionSignals} />
      {tr.turns.map((t) => (
        <TurnArticle ctx={ctx} sid={s.id} t={t} />
      ))}
    </Layout>
  );
}

/** A refused form post without JavaScript: the message and the way back. */
export function RefusedPage(props: { ctx: PageContext; message: string; back: string }) {
  const tx = texts(props.ctx);
  return (
    <Layout ctx={props.ctx} title={tx.refusedTitle}>
      <div class="message">
        <h1>{tx.refusedTitle}</h1>
        <p role="alert">{props.message}</p>
        <p>
          <a href={props.back}>{tx.backToTranscript}</a>
        </p>
      </div>
    </Layout>
  );
}
