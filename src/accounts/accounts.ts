// Interviewer and reviewer accounts: passwords hashed with scrypt, logins as random tokens whose
// SHA-256 is stored (a stolen database holds no usable cookie), each login with its own CSRF
// token, and failed logins rate-limited per email and per address. Solo practice needs none of it.
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { count, eq, lt } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { RateLimit } from '../limits.ts';
import { logins, users } from '../db/schema.ts';

export type User = typeof users.$inferSelect;
export type Role = User['role'];
export const ROLES = ['interviewer', 'reviewer'] as const satisfies readonly Role[];

/** What a signed-in browser carries: who, and the token its state changes must echo. */
export interface Staff {
  user: Pick<User, 'id' | 'email' | 'name' | 'role'>;
  csrf: string;
}

export const LOGIN_COOKIE = 'login';
export const LOGIN_DAYS = 7;
export const MIN_PASSWORD = 10;

// scrypt with N=2^15, r=8 (32 MiB, ~100 ms here): slow for a guesser, fine for a login.
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } satisfies ScryptOptions;
const KEYLEN = 32;

function derive(password: string, salt: Buffer, o: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEYLEN, { ...o, maxmem: SCRYPT.maxmem }, (e, key) => (e ? reject(e) : resolve(key))),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, N, r, p, salt, key] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !key) return false;
  const want = Buffer.from(key, 'base64url');
  const got = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(N), r: Number(r), p: Number(p) });
  return got.length === want.length && timingSafeEqual(got, want);
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Equal strings, compared in time that does not depend on where they differ. */
export function sameSecret(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

export type LoginResult = { token: string; staff: Staff } | { refused: 'bad_credentials' } | { refused: 'rate_limited'; retryAfter: number };

export type AddResult = { user: User } | { refused: 'invalid'; field: 'email' | 'name' | 'role' | 'password'; message: string };

export class Accounts {
  /** Five wrong passwords per email, twenty per address, in 15 minutes. */
  readonly byEmail: RateLimit;
  readonly byAddress: RateLimit;
  private dummyHash: Promise<string> | undefined;

  constructor(
    private db: Db,
    private now: () => number = Date.now,
  ) {
    // Failures only are counted: a user who types the password right is never slowed down.
    this.byEmail = new RateLimit(5, 15 * 60_000, now);
    this.byAddress = new RateLimit(20, 15 * 60_000, now);
  }

  count(): number {
    return this.db.select({ n: count() }).from(users).get()!.n;
  }

  async add(input: { email: string; name?: string; role?: string; password: string }): Promise<AddResult> {
    const email = input.email.trim().toLowerCase();
    if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 254) return { refused: 'invalid', field: 'email', message: `"${input.email}" is not an email address` };
    const role = (input.role ?? 'interviewer') as Role;
    if (!ROLES.includes(role)) return { refused: 'invalid', field: 'role', message: `role must be one of ${ROLES.join(', ')}` };
    if (input.password.length < MIN_PASSWORD) return { refused: 'invalid', field: 'password', message: `the password needs at least ${MIN_PASSWORD} characters` };
    if (this.db.select({ id: users.id }).from(users).where(eq(users.email, email)).get()) {
      return { refused: 'invalid', field: 'email', message: `there is already an account for ${email}` };
    }
    const name = (input.name?.trim() || email.split('@')[0]!).slice(0, 80);
    const user: User = { id: randomBytes(9).toString('base64url'), email, name, role, passwordHash: await hashPassword(input.password), createdAt: this.now() };
    this.db.insert(users).values(user).run();
    return { user };
  }

  /** Check a password and open a login. Unknown emails take as long as wrong passwords. */
  async login(emailRaw: string, password: string, address: string): Promise<LoginResult> {
    const email = emailRaw.trim().toLowerCase();
    const wait = Math.max(this.byEmail.retryAfter(email), this.byAddress.retryAfter(address));
    if (wait > 0) return { refused: 'rate_limited', retryAfter: wait };
    const user = this.db.select().from(users).where(eq(users.email, email)).get();
    this.dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
    const ok = await verifyPassword(password, user?.passwordHash ?? (await this.dummyHash));
    if (!user || !ok) {
      this.byEmail.hit(email);
      this.byAddress.hit(address);
      return { refused: 'bad_credentials' };
    }
    this.byEmail.clear(email);
    const token = randomBytes(32).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    const now = this.now();
    this.db.delete(logins).where(lt(logins.expiresAt, now)).run();
    this.db.insert(logins).values({ id: sha256(token), userId: user.id, csrf, createdAt: now, expiresAt: now + LOGIN_DAYS * 86_400_000 }).run();
    return { token, staff: { user: { id: user.id, email: user.email, name: user.name, role: user.role }, csrf } };
  }

  /** The signed-in staff member a login cookie belongs to, while it has not expired. */
  staffFor(token: string | undefined): Staff | undefined {
    if (!token || token.length > 100) return undefined;
    const row = this.db
      .select({ id: users.id, email: users.email, name: users.name, role: users.role, csrf: logins.csrf, expiresAt: logins.expiresAt })
      .from(logins)
      .innerJoin(users, eq(logins.userId, users.id))
      .where(eq(logins.id, sha256(token)))
      .get();
    if (!row || row.expiresAt <= this.now()) return undefined;
    return { user: { id: row.id, email: row.email, name: row.name, role: row.role }, csrf: row.csrf };
  }

  logout(token: string | undefined): void {
    if (token) this.db.delete(logins).where(eq(logins.id, sha256(token))).run();
  }
}
