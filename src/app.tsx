// createApp(deps): the whole web service as a Hono app. Everything it touches (the bank, later
// the database, the grader, the LLM) is passed in, so tests build it with real in-memory parts
// and call app.request() — no server, no mocks.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import type { Config } from './config.ts';
import type { BankStore } from './bank/store.ts';
import { databaseOk, type Db } from './db/index.ts';
import { LOGIN_COOKIE } from './accounts/accounts.ts';
import { accountRoutes } from './routes/accounts.tsx';
import { apiRoutes } from './routes/api.ts';
import { liveRoutes } from './routes/live.tsx';
import { bankRoutes } from './routes/bank.tsx';
import { interviewRoutes } from './routes/interview.tsx';
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

  // 200 only when the parts a candidate needs answer: the bank is loaded and the database responds.
  app.get('/healthz', (c) => {
    const database = databaseOk(deps.db);
    return c.json({ status: database ? 'ok' : 'degraded', questions: deps.bank.questions.length, database }, database ? 200 : 503);
  });

  app.get('/static/*', (c) => {
    const file = STATIC[c.req.path];
    if (!file) return c.notFound();
    return c.body(new Uint8Array(file.body), 200, { 'content-type': file.type, 'cache-control': 'public, max-age=3600' });
  });

  app.route('/api', apiRoutes(deps));
  app.route('/', accountRoutes(deps));
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
