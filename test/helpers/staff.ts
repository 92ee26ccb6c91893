// Staff accounts for tests: a real account (scrypt and all) and a real login, as the browser
// would hold them, plus a request helper that sends the cookie, Origin and CSRF token.
import type { testApp } from './app.ts';

export const PASSWORD = 'correct horse battery';

export interface SignedIn {
  cookie: string;
  csrf: string;
  userId: string;
  /** A request as this signed-in browser makes it; `csrf: false` leaves the token out. */
  req(method: string, path: string, form?: Record<string, string | string[]>, opts?: { csrf?: boolean; headers?: Record<string, string> }): Promise<Response>;
}

export async function signIn(t: ReturnType<typeof testApp>, role: 'interviewer' | 'reviewer' = 'interviewer', email = `${role}@example.com`): Promise<SignedIn> {
  await t.services.accounts.add({ email, role, password: PASSWORD }); // refused harmlessly if it exists
  const r = await t.services.accounts.login(email, PASSWORD, 'test');
  if (!('token' in r)) throw new Error(`cannot sign in ${email}: ${r.refused}`);
  const cookie = `login=${r.token}`;
  const csrf = r.staff.csrf;
  return {
    cookie,
    csrf,
    userId: r.staff.user.id,
    req: async (method, path, form, opts = {}) => {
      const withToken = form && opts.csrf !== false ? { ...form, _csrf: csrf } : form;
      const body = withToken ? new URLSearchParams(Object.entries(withToken).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]]))) : undefined;
      return t.app.request(`http://localhost${path}`, {
        method,
        body,
        headers: { ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), origin: 'http://localhost', cookie, ...opts.headers },
        redirect: 'manual',
      });
    },
  };
}
