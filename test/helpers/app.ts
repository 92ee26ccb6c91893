// The app built from real parts: the committed bank, a fresh in-memory database migrated from
// migrations/, and the default configuration.
import { createApp } from '../../src/app.tsx';
import { BankStore } from '../../src/bank/store.ts';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/index.ts';
import { BANK_PATH } from './sources.ts';

export const bank = BankStore.load(BANK_PATH);

export function testApp(overrides: { bank?: BankStore; notices?: string[] } = {}) {
  const db = openDatabase(':memory:');
  const app = createApp({ config: loadConfig({}), bank: overrides.bank ?? bank, db, notices: overrides.notices });
  return { app, db };
}
