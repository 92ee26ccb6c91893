// The app built from real parts: the committed bank, a fresh in-memory database migrated from
// migrations/, and the default configuration.
import { createApp } from '../../src/app.tsx';
import { BankStore } from '../../src/bank/store.ts';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/index.ts';
import type { GradeDeps } from '../../src/grading/grade.ts';
import type { Observer } from '../../src/observe.ts';
import type { Rubric } from '../../src/rubrics/schema.ts';
import type { Sandbox } from '../../src/sandbox/run.ts';
import { buildServices } from '../../src/services.ts';
import { BANK_PATH } from './sources.ts';

export const bank = BankStore.load(BANK_PATH);

export interface TestAppOptions {
  bank?: BankStore;
  notices?: string[];
  rubrics?: Map<string, Rubric>;
  grading?: GradeDeps;
  now?: () => number;
  random?: () => number;
  /** Settings as environment variables (see src/config.ts). */
  env?: Record<string, string>;
  observer?: Observer;
  /** The sandbox /healthz checks (grading gets its own through `grading`). */
  sandbox?: Sandbox;
}

export function testApp(o: TestAppOptions = {}) {
  const db = openDatabase(':memory:');
  const b = o.bank ?? bank;
  const services = buildServices({ db, bank: b, rubrics: o.rubrics ?? new Map(), grading: o.grading ?? {}, now: o.now, random: o.random });
  const app = createApp({ config: loadConfig(o.env ?? {}), bank: b, db, services, notices: o.notices, observer: o.observer, sandbox: o.sandbox });
  return { app, db, services };
}
