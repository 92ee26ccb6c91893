// Shared by the sandbox tests: an independent look at the host's processes (not the module's own
// sweep), so "nothing is left" is checked from outside.
import { readdirSync, readFileSync } from 'node:fs';

/** Every process (zombies included) whose real uid is `uid`. */
export function processesOfUid(uid: number): { pid: number; name: string; state: string }[] {
  const found: { pid: number; name: string; state: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let status: string;
    try {
      status = readFileSync(`/proc/${entry}/status`, 'utf8');
    } catch {
      continue;
    }
    if (Number(/\nUid:\s+(\d+)/.exec(status)?.[1]) !== uid) continue;
    found.push({ pid: Number(entry), name: /^Name:\s*(.*)$/m.exec(status)?.[1] ?? '?', state: /\nState:\s+(\S)/.exec(status)?.[1] ?? '?' });
  }
  return found;
}

/** Python source from an indented template literal. */
export function dedent(text: string): string {
  const lines = text.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}
