// createApp(deps): the whole web service as a Hono app. Everything it touches (the bank, later
// the database, the grader, the LLM) is passed in, so tests build it with real in-memory parts
// and call app.request() — no server, no mocks.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie, setCookie } from 'hono/cookie';
import { HTTPException } from 'hono/http-exception';
import { routePath } from 'hono/route';
import { secureHeaders } from 'hono/secure-headers';
import type { Sandbox } from './sandbox/run.ts';
import { Observer } from './observe.ts';
import type { Config } from './config.ts';
import type { BankStore } from './bank/store.ts';
import { databaseOk, type Db } from './db/index.ts';
import { LOGIN_COOKIE, sameSecret } from './accounts/accounts.ts';
import { accountRoutes, clientAddress, fromLoopback } from './routes/accounts.tsx';
import { RateLimit } from './limits.ts';
import { apiRoutes } from './routes/api.ts';
import { liveRoutes } from './routes/live.tsx';
import { bankRoutes } from './routes/bank.tsx';
import { interviewRoutes } from './routes/interview.tsx';
import { reviewRoutes } from './routes/review.tsx';
import type { Services } from './services.ts';
import { MessagePage } from '../views/bank.tsx';
import { pickLang, TEXTS } from '../views/i18n.ts';
import type { PageContext } from '../views/layout.tsx';

export interface Deps {
  config: Config;
  bank: BankStore;
  db: Db;
  services: Services;
  /** Shown on every page: e.g. code answers run without a sandbox (unsafe local mode). */
  notices?: string[];
  /** Logs and /metrics; tests that do not look at them leave it out. */
  observer?: Observer;
  /** Checked by /healthz, when code answers are run. */
  sandbox?: Sandbox;
}

export type Env = { Variables: { page: PageContext } };

const require = createRequire(import.meta.url);
const asset = (path: string) => readFileSync(path);
// Served from node_modules and views/static: the service works offline, no CDN.
const view = (name: string) => asset(fileURLToPath(new URL(`../views/static/${name}`, import.meta.url)));
const JS = 'text/javascript; charset=utf-8';
const STATIC: Record<string, { body: Buffer; type: string }> = {
  '/static/htmx.js': { body: asset(require.resolve('htmx.org/dist/htmx.min.js')), type: JS },
  '/static/hx-sse.js': { body: asset(require.resolve('htmx.org/dist/ext/hx-sse.min.js')), type: JS },
  '/static/app.js': { body: view('app.js'), type: JS },
  '/static/app.css': { body: view('app.css'), type: 'text/css; charset=utf-8' },
  '/static/review.css': { body: view('review.css'), type: 'text/css; charset=utf-8' },
};

export function createApp(deps: Deps) {
  const app = new Hono<Env>();
  const observer = deps.observer ?? new Observer();
  deps.services.runner.watch((gradeId, e) => {
    if (e.stage === 'done') observer.graded(gradeId, e.grade);
    if (e.stage === 'failed' || e.stage === 'retry') observer.gradeFailed(gradeId, e.error, e.stage === 'retry');
  });

  // One log line and one metrics sample per request, labelled by route pattern (not the path:
  // session ids would make every request its own series).
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    observer.request(c.req.method, routePath(c) || 'none', c.res.status, performance.now() - started);
  });

  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
      referrerPolicy: 'same-origin',
      xFrameOptions: 'DENY',
      // HSTS belongs to whoever terminates TLS (the reverse proxy), not to a plain-HTTP service.
      strictTransportSecurity: false,
    }),
  );

  // Language and page context for every page.
  app.use(async (c, next) => {
    const query = c.req.query('lang');
    const lang = pickLang(query, getCookie(c, 'lang'), c.req.header('accept-language'));
    if (query === 'zh' || query === 'en') setCookie(c, 'lang', query, { path: '/', maxAge: 365 * 24 * 3600, sameSite: 'Lax', httpOnly: true });
    const staff = deps.services.accounts.staffFor(getCookie(c, LOGIN_COOKIE));
    c.set('page', { lang, t: TEXTS[lang], url: new URL(c.req.url), banners: deps.notices ?? [], staff });
    await next();
  });

  // 200 while candidates can be served: the bank is loaded and the database answers. The sandbox
  // is reported too (run for real, at most every 10 s): without it code answers are not run, but
  // prose interviews go on, so it degrades the status without failing it.
  let sandboxChecked: { at: number; result: Promise<{ ok: boolean; isolation?: string; reason?: string }> } | undefined;
  const sandboxHealth = () => {
    if (!deps.sandbox) return Promise.resolve({ ok: false, reason: 'code answers are not run by this service' });
    if (!sandboxChecked || Date.now() - sandboxChecked.at > 10_000) {
      const sandbox = deps.sandbox;
      sandboxChecked = {
        at: Date.now(),
        result: sandbox
          .run({ language: 'python', source: 'def f(x):\n    return x + 1\n', entry: 'f', tests: [{ args: [1], expected: 2 }] })
          .then((r) => ({ ok: r.tests[0]?.verdict === 'passed', isolation: r.isolation, ...(r.tests[0]?.verdict === 'passed' ? {} : { reason: r.reason ?? r.status }) }))
          .catch((e: Error) => ({ ok: false, reason: e.message })),
      };
    }
    return sandboxChecked.result;
  };
  app.get('/healthz', async (c) => {
    const database = databaseOk(deps.db);
    const sandbox = await sandboxHealth();
    const status = !database ? 'down' : sandbox.ok ? 'ok' : 'degraded';
    return c.json({ status, questions: deps.bank.questions.length, database, sandbox, grading_queue: deps.services.runner.depth }, database ? 200 : 503);
  });

  // Prometheus: from this machine, or from anywhere with METRICS_TOKEN.
  app.get('/metrics', async (c) => {
    const token = deps.config.METRICS_TOKEN;
    const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const allowed = token ? sameSecret(bearer, token) : fromLoopback(c);
    if (!allowed) return c.text('metrics are served to this machine only (or set METRICS_TOKEN)', 403);
    return c.body(await observer.metrics(), 200, { 'content-type': observer.registry.contentType });
  });

  app.get('/static/*', (c) => {
    const file = STATIC[c.req.path];
    if (!file) return c.notFound();
    return c.body(new Uint8Array(file.body), 200, { 'content-type': file.type, 'cache-control': 'public, max-age=3600' });
  });

  // Limits before any route reads a body or stores anything.
  app.use(
    bodyLimit({
      // A 20,000-character Chinese answer is 180 KB form-encoded; 64 KiB of code up to 192 KB.
      maxSize: 512 * 1024,
      onError: (c) => (c.req.path.startsWith('/api/') ? c.json({ error: 'too_large', message: 'the request body is over 512 KiB' }, 413) : c.text('the request is too large (over 512 KiB)', 413)),
    }),
  );
  const tooOften = (c: Context, wait: number, what: string) => {
    c.header('Retry-After', String(wait));
    const message = `too many ${what}; try again in ${wait} s`;
    return c.req.path.startsWith('/api/') ? c.json({ error: 'rate_limited', message }, 429) : c.text(message, 429);
  };
  const answers = new RateLimit(deps.config.RATE_ANSWERS_PER_MINUTE, 60_000);
  const starts = new RateLimit(deps.config.RATE_SESSIONS_PER_MINUTE, 60_000);
  app.on('POST', ['/api/sessions/:id/answers', '/s/:id/answer'], async (c, next) => {
    const wait = answers.take(c.req.param('id')!);
    return wait ? tooOften(c, wait, 'answers to this session') : next();
  });
  app.on('POST', ['/api/sessions', '/sessions'], async (c, next) => {
    const wait = starts.take(clientAddress(c, deps.config.TRUST_PROXY));
    return wait ? tooOften(c, wait, 'new sessions from this address') : next();
  });

  app.route('/api', apiRoutes(deps));
  app.route('/', accountRoutes(deps));
  app.route('/', reviewRoutes(deps));
  app.route('/', liveRoutes(deps));
  app.route('/', interviewRoutes(deps));
  app.route('/', bankRoutes(deps));

  app.notFound((c) => {
    const page = c.get('page') ?? { lang: 'zh', t: TEXTS.zh, url: new URL(c.req.url) };
    return c.html(<MessagePage ctx={page} title="404" message={page.t.notFound} />, 404);
  });

  app.onError((err, c) => {
    const page = c.get('page') ?? { lang: 'zh', t: TEXTS.zh, url: new URL(c.req.url) };
    if (err instanceof HTTPException) {
      return c.html(<MessagePage ctx={page} title={String(err.status)} message={err.message || page.t.notFound} />, err.status);
    }
    // The details go to the log, never to the user.
    console.error(JSON.stringify({ level: 'error', msg: 'unhandled', path: c.req.path, error: String(err), stack: err.stack }));
    if (c.req.path.startsWith('/api/')) return c.json({ error: 'internal', message: 'something went wrong on our side; please try again' }, 500);
    return c.html(<MessagePage ctx={page} title="500" message={page.t.serverError} />, 500);
  });

  return app;
}
