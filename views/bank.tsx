// The question bank: browse by topic, kind and difficulty, search, open a question.
// GET /questions renders the page; the same URL asked by htmx returns only the results list.
import { raw } from 'hono/html';
import type { Question } from '../src/bank/bank.ts';
import { DIFFICULTIES, KINDS, TOPICS, type Topic } from '../src/bank/classify.ts';
import type { BankFilter } from '../src/bank/store.ts';
import type { Rubric } from '../src/rubrics/schema.ts';
import type { Lang } from './i18n.ts';
import { Layout, type PageContext } from './layout.tsx';
import { highlightCode, renderMarkdown } from './markdown.ts';

export function topicName(topic: Topic, lang: Lang): string {
  return TOPICS[topic][lang];
}

function Badges(props: { q: Question; ctx: PageContext }) {
  const { q, ctx } = props;
  return (
    <span class="badges">
      <span class={`badge kind-${q.kind}`}>{ctx.t.kind[q.kind]}</span>
      <span class={`badge level-${q.difficulty}`}>{ctx.t.level[q.difficulty]}</span>
      {q.topics.map((t) => (
        <span class="badge topic">{topicName(t, ctx.lang)}</span>
      ))}
    </span>
  );
}

export function Results(props: { ctx: PageContext; questions: Question[] }) {
  const { ctx, questions } = props;
  return (
    <section id="results" aria-live="polite">
      <p class="count">{ctx.t.results(questions.length)}</p>
      {questions.length === 0 ? (
        <p class="empty">{ctx.t.noResults}</p>
      ) : (
        <ol class="question-list">
          {questions.map((q) => (
            <li>
              <a href={`/questions/${q.id}`}>
                <span class="q-title">{q.title}</span>
                <span class="q-meta">
                  <Badges q={q} ctx={ctx} />
                  <span class="sources-count">{ctx.t.sources(q.sources.length)}</span>
                </span>
              </a>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function Check(props: { name: string; value: string; label: string; checked: boolean; count?: number }) {
  return (
    <label class="check">
      <input type="checkbox" name={props.name} value={props.value} checked={props.checked} />
      <span>{props.label}</span>
      {props.count !== undefined && <span class="n">{props.count}</span>}
    </label>
  );
}

export function BankPage(props: {
  ctx: PageContext;
  filter: BankFilter;
  questions: Question[];
  topicCounts: Array<{ topic: Topic; count: number }>;
}) {
  const { ctx, filter } = props;
  return (
    <Layout ctx={ctx} title={ctx.t.bankTitle}>
      <div class="page-head">
        <h1>{ctx.t.bankTitle}</h1>
        <p class="lead">{ctx.t.bankIntro}</p>
      </div>
      <div class="bank">
        {/* Works without JavaScript as a plain GET form; htmx swaps only the results. */}
        <form
          class="filters"
          action="/questions"
          method="get"
          hx-get="/questions"
          hx-trigger="input delay:250ms, change, submit"
          hx-target="#results"
          hx-swap="outerHTML"
          hx-push-url="true"
          hx-sync="this:replace"
          role="search"
        >
          <label class="search">
            <span class="label">{ctx.t.search}</span>
            <input type="search" name="q" value={filter.q ?? ''} placeholder={ctx.t.searchPlaceholder} autocomplete="off" />
          </label>
          <fieldset>
            <legend>{ctx.t.kinds}</legend>
            {KINDS.map((k) => (
              <Check name="kind" value={k} label={ctx.t.kind[k]!} checked={!!filter.kinds?.includes(k)} />
            ))}
          </fieldset>
          <fieldset>
            <legend>{ctx.t.difficulty}</legend>
            {DIFFICULTIES.map((d) => (
              <Check name="difficulty" value={d} label={ctx.t.level[d]!} checked={!!filter.difficulties?.includes(d)} />
            ))}
          </fieldset>
          <fieldset>
            <legend>{ctx.t.topics}</legend>
            {props.topicCounts.map(({ topic, count }) => (
              <Check name="topic" value={topic} label={topicName(topic, ctx.lang)} checked={!!filter.topics?.includes(topic)} count={count} />
            ))}
          </fieldset>
          <div class="actions">
            {/* With htmx the form filters as you type; the button is for browsers without JavaScript. */}
            <noscript>
              <button type="submit">{ctx.t.apply}</button>
            </noscript>
            <a href="/questions">{ctx.t.clear}</a>
          </div>
        </form>
        <Results ctx={ctx} questions={props.questions} />
      </div>
    </Layout>
  );
}

/** Where a rubric's model answer departs from the source document, and why. */
export function Corrections(props: { ctx: PageContext; rubric?: Rubric }) {
  const list = props.rubric?.corrections ?? [];
  if (list.length === 0) return null;
  return (
    <div class="note">
      {props.ctx.t.correctionsNote}
      <ul>
        {list.map((c) => (
          <li>
            <code>{c.source}</code>：{c.says} → {c.correct}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function QuestionPage(props: { ctx: PageContext; q: Question; rubric?: Rubric; answers?: boolean }) {
  const { ctx, q } = props;
  const curated = props.rubric?.status === 'curated' ? props.rubric : undefined;
  const prompt = curated?.prompt ?? q.prompt;
  const inText = new Set(q.reference.code.map((c) => c.source).filter((s) => q.reference.text.includes(s)));
  const others = q.reference.code.filter((c) => !inText.has(c.source));
  return (
    <Layout ctx={ctx} title={q.title}>
      <p class="crumb">
        <a href="/questions">{ctx.t.backToBank}</a>
      </p>
      <article class="question">
        <h1>{q.title}</h1>
        <Badges q={q} ctx={ctx} />
        {prompt !== q.title && (
          <section class="prompt">
            <h2>{ctx.t.question}</h2>
            <div class="md">{raw(renderMarkdown(prompt))}</div>
          </section>
        )}
        <form method="post" action="/sessions" class="actions">
          <input type="hidden" name="question_id" value={q.id} />
          <button type="submit" class="primary" name="mode" value="again">
            {ctx.t.practiseThis}
          </button>
        </form>
        {props.answers === false ? (
          <p class="note">{ctx.t.answersForStaff}</p>
        ) : curated ? (
          <section class="reference">
            <h2>{ctx.t.referenceAnswer}</h2>
            <p class="note">{ctx.t.curatedNote}</p>
            <div class="md">{raw(renderMarkdown(curated.model_answer))}</div>
            <h3>{ctx.t.keyPoints}</h3>
            <ul class="key-points">
              {curated.key_points.map((k) => (
                <li>{k.point}</li>
              ))}
            </ul>
            <Corrections ctx={ctx} rubric={curated} />
          </section>
        ) : (
          <section class="reference">
            <h2>{ctx.t.referenceAnswer}</h2>
            <p class="note">{ctx.t.referenceNote}</p>
            <div class="md">{raw(renderMarkdown(q.reference.text))}</div>
            {q.reference.truncated && <p class="note warn">{ctx.t.truncatedNote}</p>}
            {others.length > 0 && (
              <details class="variants">
                <summary>
                  {ctx.t.otherCode} ({others.length})
                </summary>
                {others.map((c) => raw(highlightCode(c.source, c.lang)))}
              </details>
            )}
          </section>
        )}
        {q.alt_titles.length > 0 && (
          <section>
            <h2>{ctx.t.alsoAskedAs}</h2>
            <ul class="alt">
              {q.alt_titles.map((t) => (
                <li>{t}</li>
              ))}
            </ul>
          </section>
        )}
        <section>
          <h2>{ctx.t.sourcesTitle}</h2>
          <ul class="source-list">
            {q.sources.map((s) => (
              <li>
                <code>
                  {s.doc}:{s.line}
                </code>
              </li>
            ))}
          </ul>
        </section>
      </article>
    </Layout>
  );
}

export function MessagePage(props: { ctx: PageContext; title: string; message: string }) {
  return (
    <Layout ctx={props.ctx} title={props.title}>
      <div class="message">
        <h1>{props.title}</h1>
        <p>{props.message}</p>
        <p>
          <a href="/questions">{props.ctx.t.backToBank}</a>
        </p>
      </div>
    </Layout>
  );
}
