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

  app.get('/questions', (c) => {
    const filter: BankFilter = {
      q: (c.req.query('q') ?? '').slice(0, 200),
      topics: only<Topic>(c.req.queries('topic') ?? [], Object.keys(TOPICS) as Topic[]),
      kinds: only<Kind>(c.req.queries('kind') ?? [], KINDS),
      difficulties: only<Difficulty>(c.req.queries('difficulty') ?? [], DIFFICULTIES),
    };
    const questions = deps.bank.filter(filter);
    const page = c.get('page');
    // htmx asks for the results only; a browser (or a reload) gets the whole page.
    if (c.req.header('hx-request') === 'true' && c.req.header('hx-request-type') !== 'full') {
      return c.html(<Results ctx={page} questions={questions} />);
    }
    return c.html(<BankPage ctx={page} filter={filter} questions={questions} topicCounts={deps.bank.topicCounts()} />);
  });

  app.get('/questions/:id', (c) => {
    const q = deps.bank.get(c.req.param('id'));
    const page = c.get('page');
    if (!q) return c.html(<MessagePage ctx={page} title="404" message={page.t.notFoundQuestion} />, 404);
    // A curated rubric's model answer replaces the document's (which may be wrong).
    return c.html(<QuestionPage ctx={page} q={q} rubric={deps.services.interviews.rubricFor(q.id)} />);
  });

  return app;
}
