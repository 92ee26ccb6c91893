// npm run user:add -- --email you@example.com [--name "Your Name"] [--role interviewer|reviewer]
// Asks for the password (twice, not echoed) on a terminal; reads one line from stdin otherwise,
// so scripts can pipe it in. Never takes the password as an argument: it would land in shell history.
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/index.ts';
import { Accounts, MIN_PASSWORD, ROLES } from './accounts.ts';

function ask(question: string): Promise<string> {
  const tty = process.stdin.isTTY;
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: tty });
  if (tty) {
    // Echo nothing while the password is typed.
    const out = rl as unknown as { _writeToOutput: (s: string) => void };
    process.stdout.write(question);
    out._writeToOutput = () => {};
  }
  return new Promise((resolve) =>
    rl.once('line', (line) => {
      if (tty) process.stdout.write('\n');
      rl.close();
      resolve(line);
    }),
  );
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: { email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string', default: 'interviewer' } } }).values;
  } catch (e) {
    console.error(`user:add: ${(e as Error).message}`);
    return 2;
  }
  if (!args.email) {
    console.error(`usage: npm run user:add -- --email EMAIL [--name NAME] [--role ${ROLES.join('|')}]`);
    return 2;
  }
  const password = await ask(`password for ${args.email} (at least ${MIN_PASSWORD} characters): `);
  if (process.stdin.isTTY && (await ask('again: ')) !== password) {
    console.error('user:add: the two passwords differ; nothing was changed');
    return 1;
  }
  const config = loadConfig();
  const db = openDatabase(config.DATABASE_PATH);
  const r = await new Accounts(db).add({ email: args.email, name: args.name, role: args.role, password });
  db.$client.close();
  if ('refused' in r) {
    console.error(`user:add: ${r.field}: ${r.message}`);
    return 1;
  }
  console.log(`added ${r.user.role} ${r.user.email} to ${config.DATABASE_PATH}`);
  return 0;
}

process.exitCode = await main();
