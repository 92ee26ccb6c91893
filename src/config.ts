// Every setting in one place, read from the environment once at start and checked by zod, so a
// bad value stops the service with a message that names the variable.
import { z } from 'zod';

/** true/false/1/0 (empty is the default). */
const flag = (byDefault: boolean) =>
  z
    .enum(['true', 'false', '1', '0', ''])
    .default('')
    .transform((v) => (v === '' ? byDefault : v === 'true' || v === '1'));

export const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** 127.0.0.1 keeps the service private to this machine; set 0.0.0.0 to serve a network. */
  HOST: z.string().min(1).default('127.0.0.1'),
  BANK_PATH: z.string().min(1).default('questions/bank.json'),
  /** The embedded SQLite file, created (with its folder) on first start. */
  DATABASE_PATH: z.string().min(1).default('data/mianshi.db'),
  RUBRICS_DIR: z.string().min(1).default('rubrics'),
  /** Without a key the service grades deterministically and says so on every grade. */
  OPENAI_API_KEY: z.string().min(1).optional(),
  /** Any OpenAI-compatible server (vLLM, Ollama, LM Studio, a proxy). */
  OPENAI_BASE_URL: z.url().optional(),
  OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
  LLM_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  LLM_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  /**
   * Answers graded at once. Grading is mostly waiting for the LLM (seconds per answer), so more than
   * the cores; the deterministic checks and the sandbox (SANDBOX_SLOTS) bound the CPU side.
   */
  GRADING_CONCURRENCY: z.coerce.number().int().min(1).max(512).default(16),
  /**
   * Threads that grade, beside the one that serves requests (0: grade on that one). Each has its
   * own sandbox of SANDBOX_SLOTS slots; one is right for two cores.
   */
  GRADING_THREADS: z.coerce.number().int().min(0).max(16).default(1),
  /** A grade taking longer than this ends its grading thread (started again) and is retried. */
  GRADE_TIMEOUT_MS: z.coerce.number().int().min(1000).max(3_600_000).default(300_000),
  /**
   * First of the unprivileged uids code runs under (one per concurrent run; they must belong to no
   * account). The batch tools add offsets of their own, so they can run beside the service.
   */
  SANDBOX_UID_BASE: z.coerce.number().int().min(1000).max(4_000_000_000).default(61000),
  SANDBOX_SLOTS: z.coerce.number().int().min(1).max(16).default(2),
  /**
   * Run code answers WITHOUT the sandbox when it cannot be set up. Unsafe: only for a developer's
   * own machine; every page and every grade then says so.
   */
  SANDBOX_UNSAFE_LOCAL: flag(false),
  /**
   * Show model answers and key points on the question bank pages to everyone (a practice site).
   * Set false when the same bank serves hiring interviews: then only signed-in staff see them.
   */
  PUBLIC_ANSWERS: flag(true),
  /** Answers one session may submit per minute (pages and API alike); a person needs far fewer. */
  RATE_ANSWERS_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  /** Sessions one client address may start per minute. */
  RATE_SESSIONS_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  /**
   * Behind a reverse proxy: take the client address from the last X-Forwarded-For entry (rate
   * limits) and the scheme from X-Forwarded-Proto (links, Secure cookies). Leave false when
   * clients reach the service directly, or they could claim any address.
   */
  TRUST_PROXY: flag(false),
  /** Lets a Prometheus server elsewhere read /metrics with `Authorization: Bearer <token>`; without it only this machine may. */
  METRICS_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
});

export type Config = z.infer<typeof ConfigSchema>;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message} (got ${JSON.stringify(env[String(i.path[0])])})`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
