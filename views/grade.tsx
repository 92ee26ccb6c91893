// A grade as the candidate sees it: score, key points with the words that earned them, tests
// (hidden ones as counts), what to add and correct, the suggested follow-up. Also the stages
// before it is done: grading, then checks done while the judge thinks.
import type { Child } from 'hono/jsx';
import type { Grade } from '../src/grading/types.ts';
import type { GradeRow } from '../src/interview/session.ts';
import type { PageContext } from './layout.tsx';

function scoreClass(score: number, max: number): string {
  const r = max > 0 ? score / max : 0;
  return r >= 0.7 ? 'good' : r >= 0.4 ? 'fair' : 'poor';
}

const show = (v: unknown) => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 120 ? `${s.slice(0, 117)}...` : s;
};

function List(props: { title: string; items: string[]; cls: string }) {
  if (!props.items.length) return null;
  return (
    <div class={`fb ${props.cls}`}>
      <h4>{props.title}</h4>
      <ul>
        {props.items.map((i) => (
          <li>{i}</li>
        ))}
      </ul>
    </div>
  );
}

/** Wrong beliefs the answer states: its own words, then the correction. */
export function Misconceptions(props: { title: string; items: Grade['misconceptions'] }) {
  if (props.items.length === 0) return null;
  return (
    <div class="fb wrong">
      <h4>{props.title}</h4>
      <ul>
        {props.items.map((m) => (
          <li>
            <q>{m.evidence}</q> → {m.correction}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The body of a finished grade (checks-only or with the judge). `stage` says whether more is coming. */
export function GradeBody(props: { ctx: PageContext; grade: Grade; stage: 'checks' | 'done'; hideFollowUp?: boolean; showHidden?: boolean }) {
  const { ctx, grade: g } = props;
  const t = ctx.t;
  const flags = g.flags.filter((f) => f !== 'llm_unavailable' && f !== 'llm_failed');
  return (
    <div class="grade-body">
      <div class="grade-head">
        <div class={`score ${scoreClass(g.score, g.max)}`} aria-label={`${t.score} ${g.score} / ${g.max}`}>
          <strong>{g.score}</strong>
          <span>/ {g.max}</span>
        </div>
        <div class="grade-meta">
          <div class="grader">{t.gradedBy[g.grader]}</div>
          {props.stage === 'checks' && <div class="note pending">{t.checksDone}</div>}
          {props.stage === 'done' && g.flags.includes('llm_unavailable') && <div class="note">{t.noLlmNote}</div>}
          {props.stage === 'done' && g.flags.includes('llm_failed') && <div class="note warn">{t.llmFailedNote}</div>}
          {g.feedback.summary && <div class="summary">{g.feedback.summary}</div>}
        </div>
      </div>
      {flags.length > 0 && (
        <ul class="flags">
          {flags.map((f) => (
            <li class={`flag flag-${f}`}>{t.flagNames[f] ?? f}</li>
          ))}
        </ul>
      )}
      {g.keyPoints.length > 0 && !g.code && (
        <div class="kps">
          <h4>{t.keyPoints}</h4>
          <ul>
            {g.keyPoints.map((k) => (
              <li class={`kp kp-${k.status}`}>
                <span class="kp-status">{k.status === 'met' ? '✓' : k.status === 'partial' ? '◐' : '✗'}</span>
                <span class="kp-text">
                  {k.point}
                  <small>{k.status === 'met' ? t.met : k.status === 'partial' ? t.partial : t.missed}</small>
                  {k.evidence && <q>{k.evidence}</q>}
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
      <Misconceptions title={t.misconceptionsLabel} items={g.misconceptions} />
      {g.code && (
        <div class="tests">
          <h4>
            {t.tests}: {g.code.notRun ? t.codeNotRun : t.testsPassed(g.code.passed, g.code.total)}
            {g.code.hiddenTotal > 0 && !g.code.notRun && <small> · {t.hiddenTests(g.code.hiddenPassed, g.code.hiddenTotal)}</small>}
          </h4>
          {g.code.notRun && <p class="note warn">{g.code.notRun}</p>}
          <ul>
            {g.code.tests
              .filter((x) => !x.hidden || props.showHidden)
              .map((x) => (
                <li class={`test ${x.verdict === 'passed' ? 'pass' : 'fail'}${x.hidden ? ' hidden-test' : ''}`}>
                  <span class="verdict">{x.verdict.replace('_', ' ')}</span>
                  {x.hidden && <small class="hidden-mark">{t.hiddenTest}</small>}
                  <code>{show(x.args)}</code>
                  {x.verdict !== 'passed' && x.verdict !== 'not_run' && (
                    <span class="detail">
                      → <code>{x.error ? x.error.split('\n')[0] : show(x.actual)}</code> ≠ <code>{show(x.expected)}</code>
                    </span>
                  )}
                </li>
              ))}
          </ul>
          {g.code.violations.length > 0 && (
            <List title={t.violations} items={g.code.violations.map((v) => v.message)} cls="wrong" />
          )}
        </div>
      )}
      <List title={t.good} items={g.feedback.good} cls="good" />
      <List title={t.missing} items={g.feedback.missing} cls="missing" />
      <List title={t.wrong} items={g.feedback.wrong} cls="wrong" />
      {g.followUp && props.stage === 'done' && !props.hideFollowUp && (
        <div class="followup">
          <h4>{t.suggestedFollowUp}</h4>
          <p>{g.followUp}</p>
        </div>
      )}
    </div>
  );
}

/** What the grade area holds for a grade row in any state; `actions` come after a finished grade. */
export function GradeState(props: { ctx: PageContext; row: GradeRow | undefined; actions?: Child; hideFollowUp?: boolean }) {
  const { ctx, row } = props;
  if (!row) return null;
  const result = row.result as Grade | null;
  if (row.status === 'failed') return <p class="note warn">{ctx.t.gradeFailed}</p>;
  if (row.status === 'pending') {
    return result ? (
      <GradeBody ctx={ctx} grade={result} stage="checks" />
    ) : (
      <p class="grading">
        <span class="spinner" aria-hidden="true"></span>
        {ctx.t.grading}
      </p>
    );
  }
  return (
    <>
      <GradeBody ctx={ctx} grade={result!} stage="done" hideFollowUp={props.hideFollowUp} />
      {props.actions}
    </>
  );
}

/**
 * How a grade came to be, for interviewers and reviewers only: the checks' score and the judge's,
 * the judge's confidence, every deterministic check with its reason, why the judge was not used.
 */
export function GraderDetails(props: { ctx: PageContext; grade: Grade }) {
  const { ctx, grade: g } = props;
  const t = ctx.t;
  return (
    <details class="grader-details">
      <summary>{t.howGraded}</summary>
      <dl>
        <dt>{t.checksScore}</dt>
        <dd>{g.deterministicScore}</dd>
        {g.judgeScore !== undefined && (
          <>
            <dt>{t.judgeScore}</dt>
            <dd>
              {g.judgeScore}
              {g.confidence !== undefined && ` (${t.confidence} ${Math.round(g.confidence * 100)}%)`}
            </dd>
          </>
        )}
        <dt>{t.grader}</dt>
        <dd>
          {g.grader}
          {g.model && ` · ${g.model}`}
          {g.promptVersion && ` · ${g.promptVersion}`} · rubric {g.rubricHash.slice(0, 10)}
        </dd>
        {g.judgeError && (
          <>
            <dt>{t.judgeNotUsed}</dt>
            <dd>{g.judgeError}</dd>
          </>
        )}
        {g.flags.length > 0 && (
          <>
            <dt>{t.flagsLabel}</dt>
            <dd>{g.flags.map((f) => t.flagNames[f] ?? f).join(' · ')}</dd>
          </>
        )}
      </dl>
      <ul class="checks">
        {g.checks.map((c) => (
          <li class={c.pass ? 'pass' : 'fail'}>
            <code>{c.name}</code> {Math.round(c.score * 100)}% — {c.reason}
          </li>
        ))}
      </ul>
    </details>
  );
}
