import type { Child } from 'hono/jsx';
import type { Staff } from '../src/accounts/accounts.ts';
import type { Lang, Texts } from './i18n.ts';

export interface PageContext {
  lang: Lang;
  t: Texts;
  /** The current path and query, to build the language switch link. */
  url: URL;
  /** A banner shown on every page (e.g. unsafe local code execution). */
  banners?: string[];
  /** The signed-in interviewer or reviewer, if any. */
  staff?: Staff;
}

/** The same URL with ?lang= set: the switch keeps the candidate on the page they are on. */
function withLang(url: URL, lang: Lang): string {
  const u = new URL(url);
  u.searchParams.set('lang', lang);
  return u.pathname + u.search;
}

export function Layout(props: { ctx: PageContext; title: string; children: Child }) {
  const { ctx } = props;
  const other: Lang = ctx.lang === 'zh' ? 'en' : 'zh';
  return (
    <html lang={ctx.lang === 'zh' ? 'zh-CN' : 'en'}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {/* htmx's own indicator CSS would be an inline style, which our CSP forbids; app.css has it. */}
        <meta name="htmx-config" content='{"includeIndicatorCSS": false}' />
        <title>{`${props.title} · ${ctx.t.brand}`}</title>
        <link rel="icon" href="data:," />
        {/* app.js sends it with every htmx request of a signed-in browser (X-CSRF-Token). */}
        {ctx.staff && <meta name="csrf-token" content={ctx.staff.csrf} />}
        <link rel="stylesheet" href="/static/app.css" />
        {ctx.staff && <link rel="stylesheet" href="/static/review.css" />}
        <script src="/static/htmx.js" defer></script>
        <script src="/static/hx-sse.js" defer></script>
        <script src="/static/app.js" defer></script>
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/">
            <span class="brand-mark">面</span>
            <span>
              {ctx.t.brand}
              <small>{ctx.t.tagline}</small>
            </span>
          </a>
          <nav>
            <a href="/">{ctx.t.navStart}</a>
            <a href="/questions">{ctx.t.navBank}</a>
            {ctx.staff?.user.role === 'interviewer' && <a href="/interviews">{ctx.t.navInterviews}</a>}
            {ctx.staff && <a href="/review">{ctx.t.navReview}</a>}
            {ctx.staff && (
              <form class="inline" method="post" action="/logout">
                <input type="hidden" name="_csrf" value={ctx.staff.csrf} />
                <button type="submit" class="link" title={ctx.staff.user.email}>
                  {ctx.t.signOut}
                </button>
              </form>
            )}
            <a class="lang" href={withLang(ctx.url, other)} hreflang={other}>
              {ctx.t.switchTo}
            </a>
          </nav>
        </header>
        {(ctx.banners ?? []).map((b) => (
          <div class="banner" role="alert">
            {b}
          </div>
        ))}
        <main>{props.children}</main>
        <footer>{ctx.t.footer}</footer>
      </body>
    </html>
  );
}
