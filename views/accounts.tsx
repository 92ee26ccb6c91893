// Signing in, and the one-time setup of the first interviewer account.
import { Layout, type PageContext } from './layout.tsx';

export function LoginPage(props: { ctx: PageContext; next: string; email?: string; error?: string; setup?: boolean }) {
  const { t } = props.ctx;
  return (
    <Layout ctx={props.ctx} title={t.loginTitle}>
      <form class="card narrow" method="post" action="/login">
        <h1>{t.loginTitle}</h1>
        <p class="lead">{t.loginIntro}</p>
        {props.error && (
          <p class="note warn" role="alert">
            {props.error}
          </p>
        )}
        <input type="hidden" name="next" value={props.next} />
        <label class="field">
          <span class="label">{t.email}</span>
          <input type="email" name="email" value={props.email ?? ''} required autocomplete="username" autofocus />
        </label>
        <label class="field">
          <span class="label">{t.password}</span>
          <input type="password" name="password" required autocomplete="current-password" />
        </label>
        <div class="actions">
          <button class="primary" type="submit">
            {t.signIn}
          </button>
          {props.setup && <a href="/setup">{t.setupTitle}</a>}
        </div>
      </form>
    </Layout>
  );
}

export function SetupPage(props: { ctx: PageContext; email?: string; name?: string; error?: string }) {
  const { t } = props.ctx;
  return (
    <Layout ctx={props.ctx} title={t.setupTitle}>
      <form class="card narrow" method="post" action="/setup">
        <h1>{t.setupTitle}</h1>
        <p class="lead">{t.setupIntro}</p>
        {props.error && (
          <p class="note warn" role="alert">
            {props.error}
          </p>
        )}
        <label class="field">
          <span class="label">{t.email}</span>
          <input type="email" name="email" value={props.email ?? ''} required autocomplete="username" />
        </label>
        <label class="field">
          <span class="label">{t.name}</span>
          <input type="text" name="name" value={props.name ?? ''} maxlength={80} autocomplete="name" />
        </label>
        <label class="field">
          <span class="label">{t.password}</span>
          <input type="password" name="password" required minlength={10} autocomplete="new-password" />
          <small>{t.passwordRule}</small>
        </label>
        <div class="actions">
          <button class="primary" type="submit">
            {t.createAccount}
          </button>
        </div>
      </form>
    </Layout>
  );
}
