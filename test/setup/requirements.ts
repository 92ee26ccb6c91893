// Before any test: are the system packages the tests need installed? If not, say which and how
// to install them, instead of letting a sandbox or browser test fail with a cryptic message.
import { existsSync } from 'node:fs';

const NEEDED: Array<{ pkg: string; path: string; why: string }> = [
  { pkg: 'bubblewrap', path: '/usr/bin/bwrap', why: 'the sandbox that runs code answers' },
  { pkg: 'python3', path: '/usr/bin/python3', why: 'Python code answers and constraint checks' },
  { pkg: 'chromium', path: '/usr/bin/chromium', why: 'end-to-end tests in a real browser' },
];

export default function setup() {
  const missing = NEEDED.filter((n) => !existsSync(n.path));
  if (missing.length === 0) return;
  const lines = missing.map((m) => `  - ${m.pkg} (${m.path} not found): ${m.why}`);
  throw new Error(
    `The tests need system packages that are not installed:\n${lines.join('\n')}\n` +
      `Install them with:\n  sudo apt-get install -y ${missing.map((m) => m.pkg).join(' ')}\n(see README.md, "Test")`,
  );
}
