// The sandbox's normal behaviour: verdicts, comparison, class ops, output capture, killed runs,
// the queue, and what happens when the sandbox cannot be set up. Real processes, no mocks.
// (The attack list from /work/shared/notes/sandbox.md is in attacks.test.ts.)
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processIdentity } from '../../src/sandbox/chain.ts';
import { sameValue } from '../../src/sandbox/compare.ts';
import { createSandbox, type RunRequest, type TestCase } from '../../src/sandbox/run.ts';
import { dedent, processesOfUid } from './helpers.ts';

// A uid range of its own: attacks.test.ts runs in parallel with another one.
const UID_BASE = 61100;
const sandbox = createSandbox({ uidBase: UID_BASE, slots: 2 });
const quick = { timeMs: 2000, memoryMb: 128 };
const py = (source: string, entry: string, tests: TestCase[], limits = {}): RunRequest => ({
  language: 'python',
  source: dedent(source),
  entry,
  tests,
  limits: { ...quick, ...limits },
});
const js = (source: string, entry: string, tests: TestCase[], limits = {}): RunRequest => ({
  language: 'javascript',
  source,
  entry,
  tests,
  limits: { ...quick, ...limits },
});

const TWO_SUM = `
  def two_sum(nums, target):
      seen = {}
      for i, n in enumerate(nums):
          if target - n in seen:
              return [seen[target - n], i]
          seen[n] = i
`;

const LRU_PY = `
  from collections import OrderedDict

  class LRUCache:
      def __init__(self, capacity):
          self.capacity = capacity
          self.items = OrderedDict()

      def get(self, key):
          if key not in self.items:
              return -1
          self.items.move_to_end(key)
          return self.items[key]

      def put(self, key, value):
          self.items[key] = value
          self.items.move_to_end(key)
          if len(self.items) > self.capacity:
              self.items.popitem(last=False)
`;

const LRU_TEST: TestCase = {
  ops: ['LRUCache', 'put', 'put', 'get', 'put', 'get', 'put', 'get', 'get', 'get'],
  args: [[2], [1, 1], [2, 2], [1], [3, 3], [2], [4, 4], [1], [3], [4]],
  expected: [null, null, null, 1, null, -1, null, -1, 3, 4],
};

describe('sandbox: python answers', () => {
  it('is available here, isolated, and passes a correct answer on every test in one process', async () => {
    expect(sandbox.availability('python')).toEqual({ ok: true, isolation: 'sandbox' });
    const tests = [
      { args: [[2, 7, 11, 15], 9], expected: [0, 1] },
      { args: [[3, 2, 4], 6], expected: [1, 2] },
      { args: [[3, 3], 6], expected: [0, 1], hidden: true, name: 'duplicates' },
    ];
    const result = await sandbox.run(py(TWO_SUM, 'two_sum', tests));
    expect(result.status).toBe('completed');
    expect(result.isolation).toBe('sandbox');
    expect(result.tests.map((t) => t.verdict)).toEqual(['passed', 'passed', 'passed']);
    expect(result.tests[1]).toMatchObject({ index: 1, actual: [1, 2] });
    expect(result.tests[2]).toMatchObject({ name: 'duplicates', hidden: true });
    expect(result.tests[0]!.timeMs).toBeGreaterThanOrEqual(0);
  });

  it('reports a wrong answer with what was returned, and never sends the expected value inside', async () => {
    // The code returns whatever it can find of the expected value: nothing.
    const result = await sandbox.run(
      py(
        `
        import gc, sys
        WANTED = 'SECRET-' + 'EXPECTED'  # split, so this source itself does not match
        def peek(x):
            found = [o for o in gc.get_objects() if isinstance(o, (list, dict)) and o is not globals() and WANTED in repr(o)]
            return [x + 1, len(found), WANTED in open('/proc/self/cmdline').read()]
        `,
        'peek',
        [{ args: [1], expected: 'SECRET-EXPECTED' }],
      ),
    );
    expect(result.tests[0]).toMatchObject({ verdict: 'wrong_answer', actual: [2, 0, false] });
  });

  it('reports a runtime error with its message and the line in the candidate code', async () => {
    const result = await sandbox.run(
      py(
        `
        def divide(a, b):
            q = a / b
            return q
        `,
        'divide',
        [
          { args: [6, 3], expected: 2 },
          { args: [1, 0], expected: 0 },
          { args: [9, 3], expected: 3 },
        ],
      ),
    );
    expect(result.status).toBe('completed');
    expect(result.tests.map((t) => t.verdict)).toEqual(['passed', 'runtime_error', 'passed']);
    expect(result.tests[1]!.error).toContain('ZeroDivisionError: division by zero');
    expect(result.tests[1]!.error).toContain('line 2');
    expect(result.tests[1]!.error).not.toContain('harness');
  });

  it('reports a syntax error with its line for every test, and runs nothing', async () => {
    const result = await sandbox.run(
      py(
        `
        def f(x):
            return x

        def g(:
            pass
        `,
        'f',
        [
          { args: [1], expected: 1 },
          { args: [2], expected: 2 },
        ],
      ),
    );
    expect(result.status).toBe('syntax_error');
    expect(result.tests.map((t) => t.verdict)).toEqual(['syntax_error', 'syntax_error']);
    expect(result.tests[0]!.error).toMatch(/SyntaxError: .*\(line 4\)/);
    expect(result.reason).toBe(result.tests[0]!.error);
  });

  it('drives a class through ops (LRUCache), null for the constructor', async () => {
    const result = await sandbox.run(py(LRU_PY, 'LRUCache', [LRU_TEST]));
    expect(result.tests[0]).toMatchObject({ verdict: 'passed', actual: LRU_TEST.expected });

    const broken = LRU_PY.replace('self.items.popitem(last=False)', 'pass');
    const wrong = await sandbox.run(py(broken, 'LRUCache', [LRU_TEST]));
    expect(wrong.tests[0]!.verdict).toBe('wrong_answer');
    expect(wrong.tests[0]!.actual).toEqual([null, null, null, 1, null, 2, null, 1, 3, 4]);
  });

  it('calls Class.method on a fresh instance (the LeetCode class Solution form)', async () => {
    const source = `
      from typing import List
      class Solution:
          calls = 0
          def count(self, nums: List[int]) -> int:
              Solution.calls += 1
              return len(nums) * 100 + Solution.calls
    `;
    const result = await sandbox.run(py(source, 'Solution.count', [{ args: [[1, 2]], expected: 201 }, { args: [[]], expected: 2 }]));
    expect(result.tests.map((t) => t.verdict)).toEqual(['passed', 'passed']);
  });

  it('compares tuples as lists, dict keys as JSON, floats with tolerance, sets sorted; NaN never equal', async () => {
    const source = `
      def value(kind):
          return {
              'tuple': (1, (2, 3)),
              'intkeys': {1: 'a', 2: ('b',)},
              'float': 0.1 + 0.2,
              'far': 0.31,
              'set': {3, 1, 2},
              'nan': float('nan'),
              'inf': float('inf'),
              'bool': True,
              'obj': object(),
          }[kind]
    `;
    const tests: TestCase[] = [
      { args: ['tuple'], expected: [1, [2, 3]] },
      { args: ['intkeys'], expected: { '1': 'a', '2': ['b'] } },
      { args: ['float'], expected: 0.3 },
      { args: ['far'], expected: 0.3 },
      { args: ['set'], expected: [1, 2, 3] },
      { args: ['nan'], expected: Number.NaN },
      { args: ['inf'], expected: Number.POSITIVE_INFINITY },
      { args: ['bool'], expected: 1 },
      { args: ['obj'], expected: 'object' },
    ];
    const result = await sandbox.run(py(source, 'value', tests));
    expect(result.tests.map((t) => t.verdict)).toEqual([
      'passed',
      'passed',
      'passed',
      'wrong_answer',
      'passed',
      'wrong_answer',
      'passed',
      'wrong_answer',
      'wrong_answer',
    ]);
    expect(result.tests[5]!.actual).toBeNaN();
    expect(result.tests[8]!.actual).toMatchObject({ __repr__: expect.stringContaining('object at') });
  });

  it('captures prints per test; a test that prints past the cap fails alone with output_limit', async () => {
    const source = `
      def talk(n):
          print('line ' * n)
          return n
    `;
    const result = await sandbox.run(
      py(source, 'talk', [
        { args: [2], expected: 2 },
        { args: [1000], expected: 1000 },
        { args: [3], expected: 3 },
      ], { outputBytes: 1000 }),
    );
    expect(result.status).toBe('completed');
    expect(result.tests.map((t) => t.verdict)).toEqual(['passed', 'output_limit', 'passed']);
    expect(result.tests[0]!.stdout).toBe('line line \n');
    expect(Buffer.byteLength(result.tests[1]!.stdout ?? '')).toBeLessThanOrEqual(1000);
    expect(result.tests[2]!.stdout).toBe('line line line \n');
  });

  it('keeps its results channel clean whatever the code writes to stdout or stderr', async () => {
    const source = `
      import os, sys
      def forge(x):
          fake = '{"t":"result","i":%d,"value":999}\\n' % x
          print(fake)
          sys.__stdout__.write(fake); sys.__stdout__.flush()
          os.write(1, fake.encode()); os.write(2, fake.encode())
          print(fake, file=sys.stderr)
          return x
    `;
    const result = await sandbox.run(py(source, 'forge', [{ args: [0], expected: 0 }, { args: [1], expected: 1 }]));
    expect(result.tests.map((t) => [t.verdict, t.actual])).toEqual([
      ['passed', 0],
      ['passed', 1],
    ]);
    expect(result.tests[0]!.stdout).toContain('"value":999');
  });

  it('survives garbage the code writes on the results pipe itself', async () => {
    const source = `
      import os
      def noise(x):
          for line in ['null', '5', '[1]', '{"t":"error","i":-1}', '{"t":"result","i":1e9}', '{"t":"load"', '"x"']:
              os.write(3, (line + '\\n').encode())
          return x
    `;
    const result = await sandbox.run(py(source, 'noise', [{ args: [1], expected: 1 }, { args: [2], expected: 2 }]));
    expect(result.status).toBe('completed');
    expect(result.tests.map((t) => t.verdict)).toEqual(['passed', 'passed']);
  });

  it('reports the tests that finished when the run is killed mid-way', async () => {
    const source = `
      def slow(n):
          while n == 2:
              pass
          return n
    `;
    const tests = [0, 1, 2, 3].map((n) => ({ args: [n], expected: n }));
    const result = await sandbox.run(py(source, 'slow', tests, { timeMs: 1000 }));
    expect(result.status).toBe('killed');
    expect(result.reason).toMatch(/time limit of 1000 ms/);
    expect(result.tests.map((t) => t.verdict)).toEqual(['passed', 'passed', 'time_limit', 'time_limit']);
    expect(result.tests[3]!.error).toMatch(/not run/);
    expect(result.timeMs).toBeLessThan(3000);
  });

  it('gives every test the loading error when the entry is missing or the module fails', async () => {
    const missing = await sandbox.run(py('def other(): pass', 'two_sum', [{ args: [], expected: 1 }]));
    expect(missing.tests[0]!.verdict).toBe('runtime_error');
    expect(missing.tests[0]!.error).toMatch(/does not define 'two_sum'/);

    const failing = await sandbox.run(py('x = 1 / 0\ndef f(): return 1', 'f', [{ args: [], expected: 1 }, { args: [], expected: 1 }]));
    expect(failing.tests.map((t) => t.verdict)).toEqual(['runtime_error', 'runtime_error']);
    expect(failing.tests[0]!.error).toMatch(/while loading your code: ZeroDivisionError/);
  });

  it('reports a memory_limit for one test and still runs the next', async () => {
    const source = `
      def grow(n):
          if n:
              block = []
              while True:
                  block.append('x' * 10**6)
          return 'ok'
    `;
    const result = await sandbox.run(py(source, 'grow', [{ args: [1], expected: 'ok' }, { args: [0], expected: 'ok' }], { memoryMb: 64 }));
    expect(result.status).toBe('completed');
    expect(result.tests.map((t) => t.verdict)).toEqual(['memory_limit', 'passed']);
  });

  it('runs answers concurrently up to the slot count, each slot under its own uid', async () => {
    const source = `
      import os, time
      def who(x):
          time.sleep(0.3)
          return os.getuid()
    `;
    const started = performance.now();
    const results = await Promise.all([1, 2, 3, 4].map(() => sandbox.run(py(source, 'who', [{ args: [0], expected: 0 }]))));
    const uids = results.map((r) => r.tests[0]!.actual);
    expect(new Set(uids)).toEqual(new Set([UID_BASE, UID_BASE + 1]));
    // Two at a time: about two rounds of 0.3 s, not four.
    expect(performance.now() - started).toBeLessThan(1200);
  });

  it('leaves no process and no zombie of its uids after many runs in a row', async () => {
    for (let i = 0; i < 5; i++) {
      const result = await sandbox.run(py(TWO_SUM, 'two_sum', [{ args: [[1, 2], 3], expected: [0, 1] }]));
      expect(result.tests[0]!.verdict).toBe('passed');
    }
    expect([...processesOfUid(UID_BASE), ...processesOfUid(UID_BASE + 1)]).toEqual([]);
  });
});

describe('sandbox: javascript answers', () => {
  it('passes a correct answer, reports a wrong one and a runtime error with its line', async () => {
    const source = ['function add(a, b) {', '  if (b === 0) throw new Error("no zero");', '  console.log("adding", a, b);', '  return a + b;', '}'].join('\n');
    const result = await sandbox.run(
      js(source, 'add', [
        { args: [1, 2], expected: 3 },
        { args: [1, 1], expected: 3 },
        { args: [1, 0], expected: 1 },
      ]),
    );
    expect(result.status).toBe('completed');
    expect(result.isolation).toBe('sandbox');
    expect(result.tests.map((t) => t.verdict)).toEqual(['passed', 'wrong_answer', 'runtime_error']);
    expect(result.tests[0]!.stdout).toBe('adding 1 2\n');
    expect(result.tests[1]!.actual).toBe(2);
    expect(result.tests[2]!.error).toContain('Error: no zero');
    expect(result.tests[2]!.error).toContain('solution.js:2');
  });

  it('reports a syntax error with its line', async () => {
    const result = await sandbox.run(js('const f = (x) => {\n  return x +;\n};', 'f', [{ args: [1], expected: 1 }]));
    expect(result.status).toBe('syntax_error');
    expect(result.tests[0]!.verdict).toBe('syntax_error');
    expect(result.tests[0]!.error).toMatch(/SyntaxError: .*\(line 2\)/);
  });

  it('drives a class through ops (LRUCache)', async () => {
    const source = `
      class LRUCache {
        constructor(capacity) { this.capacity = capacity; this.map = new Map(); }
        get(key) {
          if (!this.map.has(key)) return -1;
          const value = this.map.get(key);
          this.map.delete(key); this.map.set(key, value);
          return value;
        }
        put(key, value) {
          this.map.delete(key); this.map.set(key, value);
          if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value);
        }
      }`;
    const result = await sandbox.run(js(source, 'LRUCache', [LRU_TEST]));
    expect(result.tests[0]).toMatchObject({ verdict: 'passed', actual: LRU_TEST.expected });
  });

  it('finds var/const functions and module.exports, and awaits async answers', async () => {
    const tests = [{ args: [2], expected: 4 }];
    for (const source of [
      'var double = function (x) { return x * 2; };',
      'const double = (x) => x * 2;',
      'module.exports = { double: (x) => x * 2 };',
      'async function double(x) { await null; return x * 2; }',
    ]) {
      const result = await sandbox.run(js(source, 'double', tests));
      expect(result.tests[0]!.verdict, source).toBe('passed');
    }
    const never = await sandbox.run(js('function double(x) { return new Promise(() => {}); }', 'double', [...tests, ...tests]));
    expect(never.status).toBe('completed');
    expect(never.tests.map((t) => t.error)).toEqual(['Error: returned a Promise that never settles', 'Error: returned a Promise that never settles']);
  });

  it('caps prints per test with output_limit', async () => {
    const source = 'function talk(n) { for (let i = 0; i < n; i++) console.log("x".repeat(100)); return n; }';
    const result = await sandbox.run(js(source, 'talk', [{ args: [1], expected: 1 }, { args: [1e6], expected: 1e6 }, { args: [2], expected: 2 }], { outputBytes: 1000 }));
    expect(result.tests.map((t) => t.verdict)).toEqual(['passed', 'output_limit', 'passed']);
  });
});

describe('sandbox: value comparison', () => {
  it('is deep, with float tolerance and no NaN equality', () => {
    expect(sameValue([1, [2, { a: 3 }]], [1, [2, { a: 3 }]])).toBe(true);
    expect(sameValue({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(sameValue({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(sameValue(1.0000001, 1)).toBe(true);
    expect(sameValue(1e12 + 1, 1e12)).toBe(true);
    expect(sameValue(1.001, 1)).toBe(false);
    expect(sameValue(Number.NaN, Number.NaN)).toBe(false);
    expect(sameValue(true, 1)).toBe(false);
    expect(sameValue(null, 0)).toBe(false);
    expect(sameValue([1, 2], { 0: 1, 1: 2 })).toBe(false);
    expect(sameValue('1', 1)).toBe(false);
  });
});

describe('sandbox: when it cannot be set up', () => {
  const markerDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'mianshi-unsafe-'));
    chmodSync(dir, 0o777); // the code runs as a pool uid
    return dir;
  };
  const writer = (path: string) => py(`def mark():\n    open(${JSON.stringify(path)}, 'w').write('ran')\n    return 1`, 'mark', [{ args: [], expected: 1 }, { args: [], expected: 1 }]);

  it('says exactly why, and runs nothing', async () => {
    const broken = createSandbox({ uidBase: UID_BASE + 10, bwrap: '/nonexistent/bwrap' });
    const state = broken.availability();
    expect(state.ok).toBe(false);
    expect(state.reason).toMatch(/bubblewrap is not installed \(\/nonexistent\/bwrap is missing\)/);

    const dir = markerDir();
    try {
      const result = await broken.run(writer(join(dir, 'marker')));
      expect(result.status).toBe('unavailable');
      expect(result.reason).toBe(state.reason);
      expect(result.tests.map((t) => t.verdict)).toEqual(['not_run', 'not_run']);
      expect(existsSync(join(dir, 'marker'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs without isolation only when the operator opts in, and says so on every result', async () => {
    const unsafe = createSandbox({ uidBase: UID_BASE + 10, bwrap: '/nonexistent/bwrap', unsafeLocal: true });
    const state = unsafe.availability('python');
    expect(state).toMatchObject({ ok: true, isolation: 'unsafe-local' });
    expect(state.reason).toMatch(/NO ISOLATION.*bubblewrap is not installed/);

    const dir = markerDir();
    process.env.OPENAI_API_KEY = 'sk-test-secret';
    try {
      const result = await unsafe.run(writer(join(dir, 'marker')));
      expect(result.isolation).toBe('unsafe-local');
      expect(result.tests.map((t) => t.verdict)).toEqual(['passed', 'passed']);
      // It really ran on the host: that is what unsafe means.
      expect(existsSync(join(dir, 'marker'))).toBe(true);

      // Even so: a clean environment, a pool uid, limits, and the run is stopped on time.
      const source = `
        import os
        def look():
            try:
                leaked = b'sk-test-secret' in open('/proc/${process.pid}/environ', 'rb').read()
            except OSError as error:
                leaked = type(error).__name__
            return [os.environ.get('OPENAI_API_KEY'), os.getuid(), leaked]
        def spin():
            while True: pass
      `;
      const look = await unsafe.run(py(source, 'look', [{ args: [], expected: null }]));
      expect(look.tests[0]!.actual).toEqual([null, expect.toBeOneOf([UID_BASE + 10, UID_BASE + 11]), 'PermissionError']);
      const spin = await unsafe.run(py(source, 'spin', [{ args: [], expected: null }], { timeMs: 500 }));
      expect(spin).toMatchObject({ status: 'killed', isolation: 'unsafe-local' });
      expect(spin.tests[0]!.verdict).toBe('time_limit');
      expect([...processesOfUid(UID_BASE + 10), ...processesOfUid(UID_BASE + 11)]).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sandbox: who may use its uids', () => {
  it('refuses uids another process claims, even with unsafeLocal', async () => {
    const holder = spawn('/usr/bin/sleep', ['30'], { stdio: 'ignore' });
    const uid = UID_BASE + 20;
    mkdirSync('/run/mianshi-sandbox', { recursive: true, mode: 0o700 });
    writeFileSync(`/run/mianshi-sandbox/uid-${uid}.pid`, processIdentity(holder.pid!)!);
    try {
      for (const unsafeLocal of [false, true]) {
        const state = createSandbox({ uidBase: uid, slots: 1, unsafeLocal }).availability();
        expect(state.ok).toBe(false);
        expect(state.reason).toContain(`uid ${uid} is in use by another process's sandbox (pid ${holder.pid}`);
      }
    } finally {
      holder.kill('SIGKILL');
      await new Promise((resolve) => holder.once('exit', resolve));
    }
    // Once that process is gone its claim is stale, and taken over.
    const taken = createSandbox({ uidBase: uid, slots: 1 });
    expect(taken.availability()).toEqual({ ok: true, isolation: 'sandbox' });
    expect(readFileSync(`/run/mianshi-sandbox/uid-${uid}.pid`, 'utf8')).toBe(processIdentity(process.pid));
    // And two sandboxes of one process do not share uids either.
    const second = createSandbox({ uidBase: uid, slots: 1 }).availability();
    expect(second.reason).toMatch(/already used by another sandbox in this process/);
  });

  // The child runs as nobody and loads this checkout through tsx: it must be able to read it.
  const nobody = ['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'];
  const checkoutReadable = spawnSync(nobody[0]!, [...nobody.slice(1), '/usr/bin/test', '-r', join(process.cwd(), 'node_modules/tsx/package.json')]).status === 0;

  it.runIf(checkoutReadable)('says so when the server does not run as root, and runs unsafe-local only if asked', () => {
    const script = [
      "import { createSandbox } from './src/sandbox/run.ts';",
      'const state = createSandbox({ uidBase: 61180 }).availability();',
      'const unsafe = createSandbox({ uidBase: 61190, unsafeLocal: true });',
      "const request = { language: 'python', source: 'import os\\ndef f():\\n    return os.getuid()', entry: 'f', tests: [{ args: [], expected: 65534 }] };",
      'const result = await unsafe.run(request);',
      'console.log(JSON.stringify({ state, result }));',
    ].join('\n');
    const child = spawnSync(nobody[0]!, [...nobody.slice(1), process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: process.cwd(),
      env: { PATH: '/usr/bin:/bin', HOME: '/tmp' },
      encoding: 'utf8',
    });
    expect(child.status, child.stderr).toBe(0);
    expect(child.stderr).toContain('NO ISOLATION'); // the warning, once
    const { state, result } = JSON.parse(child.stdout);
    expect(state.ok).toBe(false);
    expect(state.reason).toMatch(/must be started by root.*runs as uid 65534/);
    expect(result).toMatchObject({ status: 'completed', isolation: 'unsafe-local', tests: [{ verdict: 'passed' }] });
  });
});
