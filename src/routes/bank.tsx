// Browsing the bank: GET /questions (page, or the results fragment for htmx), GET /questions/:id.
import { Hono } from 'hono';
import { DIFFICULTIES, KINDS, TOPICS, type Difficulty, type Kind, type Topic } from '../bank/classify.ts';
import type { BankFilter } from '../bank/store.ts';
import type { Deps, Env } from '../app.tsx';
import { BankPage, MessagePage, QuestionPage, Results } from '../../views/bank.tsx';

/** Query values we know; anything else is ignored rather than failing the page. */
function only<T extends string>(values: string[], known: readonly T[]): T[] {
  return values.filter((v): v is T => (known as readonly string[]).includes(v));
}

export function bankRoutes(deps: Deps) {
  const app = new Hono<Env>();
  // The bank never changes while the service runs, so a list page is rendered once per URL and
  // language (137 questions take ~2 ms to render; the bench hits this page hard).
  const lists = new Map<string, string>();
  const once = (key: string, render: () => string) => {
    let html = lists.get(key);
    if (html === undefined) {
      if (lists.size >= 500) lists.delete(lists.keys().next().value!);
      lists.set(key, (html = render()));
    }
    return html;
  };

  app.get('/questions', (c) => {
    const filter: BankFilter = {
      q: (c.req.query('q') ?? '').slice(0, 200),
      topics: only<Topic>(c.req.queries('topic') ?? [], Object.keys(TOPICS) as Topic[]),
      kinds: only<Kind>(c.req.queries('kind') ?? [], KINDS),
      difficulties: only<Difficulty>(c.req.queries('difficulty') ?? [], DIFFICULTIES),
    };
    const page = c.get('page');
    // htmx asks for the results only; a browser (or a reload) gets the whole page.
    if (c.req.header('hx-request') === 'true' && c.req.header('hx-request-type') !== 'full') {
      return c.html(once(`results ${page.lang} ${c.req.url}`, () => String(<Results ctx={page} questions={deps.bank.filter(filter)} />)));
    }
    return c.html(once(`page ${page.lang} ${c.req.url}`, () => String(<BankPage ctx={page} filter={filter} questions={deps.bank.filter(filter)} topicCounts={deps.bank.topicCounts()} />)));
  });

  app.get('/questions/:id', (c) => {
    const q = deps.bank.get(c.req.param('id'));
    const page = c.get('page');
    if (!q) return c.html(<MessagePage ctx={page} title="404" message={page.t.notFoundQuestion} />, 404);
    // A curated rubric's model answer replaces the document's (which may be wrong). A site that
    // also runs hiring interviews keeps answers for its staff (PUBLIC_ANSWERS=false).
    const answers = deps.config.PUBLIC_ANSWERS || !!page.staff;
    return c.html(<QuestionPage ctx={page} q={q} rubric={deps.services.interviews.rubricFor(q.id)} answers={answers} />);
  });

  return app;
}
