// Every setting in one place, read from the environment once at start and checked by zod, so a
// bad value stops the service with a message that names the variable.
import { z } from 'zod';

export const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** 127.0.0.1 keeps the service private to this machine; set 0.0.0.0 to serve a network. */
  HOST: z.string().min(1).default('127.0.0.1'),
  BANK_PATH: z.string().min(1).default('questions/bank.json'),
  /** The embedded SQLite file, created (with its folder) on first start. */
  DATABASE_PATH: z.string().min(1).default('data/mianshi.db'),
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
