// npx tsx test/sandbox/bench.ts [rounds]
//
// A 10-test Python answer through the sandbox against the same harness run by a bare
// /usr/bin/python3 (no chain, no namespaces), both spawned from Node. Targets: median <= 100 ms
// and <= 3x the bare run. Not a vitest test: timings on a shared 2-core machine are noisy.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { createSandbox, type TestCase } from '../../src/sandbox/run.ts';

const SOURCE = `
def two_sum(nums, target):
    seen = {}
    for i, n in enumerate(nums):
        if target - n in seen:
            return [seen[target - n], i]
        seen[n] = i
`;
const NUMS = [3, 8, 1, 12, 5, 20, 7, 30, 2, 40];
const TESTS: TestCase[] = NUMS.slice(1).map((n, i) => ({ args: [NUMS, NUMS[0]! + n], expected: [0, i + 1] }));
TESTS.push({ args: [NUMS, 70], expected: [7, 9] });

const harness = readFileSync(new URL('../../src/sandbox/harness.py', import.meta.url), 'utf8');
const payload = JSON.stringify({ source: SOURCE, entry: 'two_sum', outputBytes: 65536, tests: TESTS.map((t) => ({ args: t.args })) });

function bare(): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('/usr/bin/python3', ['-I', '-S', '-B', '-c', harness], { env: { PATH: '/usr/bin:/bin' }, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    let out = '';
    (child.stdio[3] as Readable).on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('close', () => (out.includes('"t":"done"') ? resolve(performance.now() - started) : reject(new Error(out))));
    child.stdin!.end(payload);
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const rounds = Number(process.argv[2] ?? 40);
const sandbox = createSandbox({ uidBase: 61400, slots: 1 });
const bareTimes: number[] = [];
const sandboxTimes: number[] = [];
for (let i = 0; i < rounds; i++) {
  bareTimes.push(await bare());
  const started = performance.now();
  const result = await sandbox.run({ language: 'python', source: SOURCE, entry: 'two_sum', tests: TESTS });
  sandboxTimes.push(performance.now() - started);
  if (result.isolation !== 'sandbox' || result.tests.some((t) => t.verdict !== 'passed')) throw new Error(JSON.stringify(result));
}
const b = median(bareTimes);
const s = median(sandboxTimes);
console.log(`10 tests, ${rounds} rounds: bare python3 harness ${b.toFixed(1)} ms, sandbox run() ${s.toFixed(1)} ms (median), ratio ${(s / b).toFixed(2)}x`);
