// Runs a candidate's code answer against test cases inside a sandbox.
//
// All tests of one answer run in ONE sandboxed process: a harness (harness.py / harness.cjs,
// beside this file) loads the code once, calls the entry per test and reports each actual value
// as a JSON line on a pipe of its own (fd 3), so the candidate's prints cannot corrupt it.
// Expected values never enter the sandbox: judge.ts compares, outside. The sandbox is the chain in
// chain.ts (setpriv -> prlimit -> bwrap); the measured reasons are in
// /work/shared/notes/sandbox.md.
import { spawn, type StdioOptions } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { judge, parseReport, type Outcome } from './judge.ts';
import {
  bwrapArgs,
  CHAIN_ENV,
  childrenOf,
  claimUids,
  dropTo,
  FILE_BYTES,
  INTERPRETERS,
  killAll,
  leakingFds,
  limitTo,
  probeSandbox,
  TOOLS,
  type Availability,
  type ProcessLimits,
} from './chain.ts';

export type Language = 'python' | 'javascript';
export type Verdict =
  | 'passed'
  | 'wrong_answer'
  | 'time_limit'
  | 'memory_limit'
  | 'output_limit'
  | 'runtime_error'
  | 'syntax_error'
  | 'not_run';
export type Isolation = 'sandbox' | 'unsafe-local';

/** A test calls the entry function: {args: [1, 2], expected: 3}; or drives a class the LeetCode
 * way: {ops: ["LRUCache", "put", "get"], args: [[2], [1, 1], [1]], expected: [null, null, 1]}. */
export interface TestCase {
  args: unknown[];
  expected: unknown;
  ops?: string[];
  hidden?: boolean;
  name?: string;
}

export interface Limits {
  /** Wall time for the whole run, interpreter start included. */
  timeMs: number;
  /** Memory for the program: Python's address space beyond the interpreter, Node's heap. */
  memoryMb: number;
  /** What one test may print (stdout and stderr together) before it fails with output_limit. */
  outputBytes: number;
}

export interface RunRequest {
  language: Language;
  source: string;
  /** A function name, a class name (tests with ops), or `Class.method` (a fresh instance per test). */
  entry: string;
  tests: TestCase[];
  limits?: Partial<Limits>;
}

export interface TestResult {
  index: number;
  verdict: Verdict;
  actual?: unknown;
  error?: string;
  stdout?: string;
  timeMs?: number;
  /** Echoed from the test, so a caller can keep hidden tests' details from the candidate. */
  name?: string;
  hidden?: boolean;
}

export interface RunResult {
  /** completed: every test ran; killed: the run ended early (time, memory, output, crash) and
   * the tests it did not finish say why; syntax_error: the code does not compile; unavailable:
   * nothing ran (see reason). */
  status: 'completed' | 'killed' | 'syntax_error' | 'unavailable';
  tests: TestResult[];
  reason?: string;
  isolation: Isolation;
  /** Wall time of the sandboxed process, start to exit. */
  timeMs: number;
  /** The end of what the program wrote outside the tests' capture (raw fd writes, crash
   * messages), for whoever debugs a crash. */
  log?: string;
}

export interface SandboxAvailability {
  ok: boolean;
  isolation: Isolation;
  reason?: string;
}

export interface Sandbox {
  run(request: RunRequest): Promise<RunResult>;
  /** Whether code can run, how isolated, and if not exactly why (a language also checks its
   * interpreter). The first call (or run) probes the chain once, synchronously: ~20 ms. */
  availability(language?: Language): SandboxAvailability;
}

export interface SandboxOptions {
  /** If the sandbox cannot be set up, run code anyway with only setpriv/prlimit and a clean
   * environment (as root) or a plain child process: NO isolation. Every result says
   * isolation: 'unsafe-local'. Never on a shared server. */
  unsafeLocal?: boolean;
  /** First of the dedicated uids (one per slot). They must belong to no account: anything left
   * running under them after a run is killed. */
  uidBase?: number;
  /** Runs at once; more wait in a queue. Each slot has its own uid, so concurrent runs do not
   * share RLIMIT_NPROC. */
  slots?: number;
  /** Path of bwrap (for tests and unusual installs). */
  bwrap?: string;
}

export const DEFAULT_LIMITS: Limits = { timeMs: 5000, memoryMb: 256, outputBytes: 64 * 1024 };
export const DEFAULT_UID_BASE = 61000;

const MiB = 1024 * 1024;
// Caps on what Node keeps from the process: the program's raw stdout and stderr (prints inside a
// test are captured by the harness instead), and the harness's result lines.
const STDOUT_CAP = MiB;
const STDERR_CAP = 64 * 1024;
const RESULTS_CAP = 8 * MiB;
// After SIGKILL to the sandbox's PID 1, bwrap exits by itself; if it has not after this long,
// its whole process group is killed.
const KILL_GRACE_MS = 1000;
// After the process exits, a leftover holding its pipes (possible only without the sandbox)
// does not hold the result longer than this.
const CLOSE_GRACE_MS = 250;

const HARNESS = {
  python: readFileSync(new URL('./harness.py', import.meta.url), 'utf8'),
  javascript: readFileSync(new URL('./harness.cjs', import.meta.url), 'utf8'),
};

const ENTRY_PATTERN: Record<Language, RegExp> = {
  python: /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)?$/,
  javascript: /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)?$/,
};

/** The interpreter command and its limits, per language. */
function harnessCommand(language: Language, limits: Limits): { command: string[]; processLimits: ProcessLimits } {
  const cpuSeconds = Math.ceil(limits.timeMs / 1000) + 1; // a backstop if our timer cannot fire
  if (language === 'python') {
    return {
      // -I: no environment, no user site; -S: no site module (faster start, stdlib only);
      // -B: no .pyc writes.
      command: [INTERPRETERS.python, '-I', '-S', '-B', '-c', HARNESS.python],
      processLimits: {
        cpuSeconds,
        fileBytes: FILE_BYTES,
        openFiles: 64,
        processes: 32,
        addressSpaceBytes: (limits.memoryMb + 64) * MiB, // + the interpreter itself
      },
    };
  }
  return {
    command: [INTERPRETERS.javascript, `--max-old-space-size=${limits.memoryMb}`, '-e', HARNESS.javascript],
    processLimits: {
      cpuSeconds,
      fileBytes: FILE_BYTES,
      openFiles: 128,
      processes: 64, // Node alone runs ~7 threads, and they count
      // Not RLIMIT_AS (trap 8). Beyond the old-space limit V8 needs its young generation and
      // code space, and Buffers live outside the heap: this bounds them all.
      dataBytes: (limits.memoryMb + 256) * MiB,
    },
  };
}

function resolveLimits(given: Partial<Limits> | undefined): Limits {
  const clamp = (value: number | undefined, fallback: number, low: number, high: number) =>
    Math.min(high, Math.max(low, Math.round(Number.isFinite(value) ? value! : fallback)));
  return {
    timeMs: clamp(given?.timeMs, DEFAULT_LIMITS.timeMs, 100, 120_000),
    memoryMb: clamp(given?.memoryMb, DEFAULT_LIMITS.memoryMb, 32, 8192),
    outputBytes: clamp(given?.outputBytes, DEFAULT_LIMITS.outputBytes, 1, 16 * MiB),
  };
}

function checkRequest(request: RunRequest): void {
  if (request.language !== 'python' && request.language !== 'javascript') throw new TypeError(`unknown language: ${String(request.language)}`);
  if (typeof request.source !== 'string') throw new TypeError('source must be a string');
  // The entry is written into the JavaScript harness's code, so only plain names pass.
  if (!ENTRY_PATTERN[request.language].test(request.entry)) throw new TypeError(`entry must be a name or Class.method, got ${JSON.stringify(request.entry)}`);
  if (!Array.isArray(request.tests)) throw new TypeError('tests must be an array');
  request.tests.forEach((test, i) => {
    if (!Array.isArray(test.args)) throw new TypeError(`tests[${i}].args must be an array`);
    if (test.ops !== undefined && (!Array.isArray(test.ops) || test.ops.length === 0 || !test.ops.every((op) => typeof op === 'string'))) {
      throw new TypeError(`tests[${i}].ops must be a non-empty list of names`);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Running one process and collecting what it reported

interface Plan {
  argv: string[];
  /** bwrap is in the chain: the sandbox's PID 1 is its child, and exit codes 128+N mean signal N. */
  viaBwrap: boolean;
  /** The slot's uid, when we switched to one: anything left under it is killed after the run. */
  uid: number | null;
}

let devNull: number | undefined;

/** Stdio for the chain: 0-2 and the results pipe (3), and /dev/null over every fd the server
 * would otherwise leak into the sandbox (trap 3; the harnesses close them again). */
function stdioFor(): StdioOptions {
  const stdio: StdioOptions = ['pipe', 'pipe', 'pipe', 'pipe'];
  const leaking = leakingFds();
  if (leaking.length) {
    devNull ??= openSync('/dev/null', 'r');
    for (let fd = 4; fd <= Math.max(...leaking); fd++) stdio.push(leaking.includes(fd) ? devNull : 'ignore');
  }
  return stdio;
}

function execute(plan: Plan, payload: string, limits: Limits): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    const outcome: Outcome = {
      records: [],
      code: null,
      signal: null,
      stoppedFor: null,
      overflowed: null,
      stdout: '',
      stderr: '',
      spawnError: null,
      ms: 0,
    };
    // detached: the chain leads its own process group, which the fallback kill targets.
    const child = spawn(plan.argv[0]!, plan.argv.slice(1), { env: CHAIN_ENV, cwd: '/', detached: true, stdio: stdioFor() });
    const timers: NodeJS.Timeout[] = [];
    let finished = false;

    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const stop = (why: 'time' | 'output') => {
      if (outcome.stoppedFor || finished) return;
      outcome.stoppedFor = why;
      // Kill the sandbox's PID 1: the kernel then kills everything in its pid namespace and bwrap
      // reaps it and exits. Killing bwrap first would orphan PID 1 as a zombie (trap 5).
      const inner = plan.viaBwrap && child.pid !== undefined ? childrenOf(child.pid) : [];
      if (inner.length === 0) return killGroup();
      for (const pid of inner) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      timers.push(setTimeout(killGroup, KILL_GRACE_MS));
    };

    // Bounded collectors: past a cap the rest is dropped and the run is stopped.
    const collect = (stream: Readable | null | undefined, cap: number, name: string, onData: (chunk: Buffer) => void) => {
      let size = 0;
      stream?.on('data', (chunk: Buffer) => {
        if (size >= cap) return;
        size += chunk.length;
        if (size > cap) {
          onData(chunk.subarray(0, chunk.length - (size - cap)));
          outcome.overflowed ??= name;
          stop('output');
        } else onData(chunk);
      });
      stream?.on('error', () => {});
    };
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    collect(child.stdout, STDOUT_CAP, 'stdout', (chunk) => stdout.push(chunk));
    collect(child.stderr, STDERR_CAP, 'stderr', (chunk) => stderr.push(chunk));
    // Result lines, split as they arrive (a long line is joined once, when its end comes).
    let partial: Buffer[] = [];
    collect(child.stdio[3] as Readable, RESULTS_CAP, 'its results', (chunk) => {
      let newline: number;
      while ((newline = chunk.indexOf(10)) >= 0) {
        partial.push(chunk.subarray(0, newline));
        const report = parseReport(Buffer.concat(partial).toString('utf8'));
        if (report) outcome.records.push(report);
        partial = [];
        chunk = chunk.subarray(newline + 1);
      }
      if (chunk.length) partial.push(chunk);
    });

    const finish = () => {
      if (finished) return;
      finished = true;
      for (const timer of timers) clearTimeout(timer);
      outcome.ms = performance.now() - started;
      outcome.stdout = Buffer.concat(stdout).toString('utf8');
      outcome.stderr = Buffer.concat(stderr).toString('utf8');
      if (!plan.viaBwrap) killGroup(); // leftovers in the group (no pid namespace here)
      if (plan.uid !== null) killAll(plan.uid); // leftovers under the slot's uid
      resolve(outcome);
    };

    child.on('error', (error) => {
      outcome.spawnError = error.message;
      finish();
    });
    child.on('exit', (code, signal) => {
      outcome.code = code;
      outcome.signal = signal;
      // Without the sandbox a daemon can hold the pipes open: do not wait for it. (In the
      // sandbox the pid namespace is gone by now, and the pipes close with it.)
      if (!plan.viaBwrap) timers.push(
        setTimeout(() => {
          for (const stream of child.stdio) stream?.destroy();
          finish();
        }, CLOSE_GRACE_MS),
      );
    });
    child.on('close', finish);
    timers.push(setTimeout(() => stop('time'), limits.timeMs));
    // The last resort: whatever happens, the run ends.
    timers.push(
      setTimeout(() => {
        killGroup();
        for (const stream of child.stdio) stream?.destroy();
        finish();
      }, limits.timeMs + KILL_GRACE_MS * 3),
    );

    child.stdin?.on('error', () => {}); // the program may exit without reading
    child.stdin?.end(payload);
  });
}

// ---------------------------------------------------------------------------------------------
// The sandbox: availability, the uid pool and the queue

class SlotPool {
  private free: number[];
  private waiting: ((slot: number) => void)[] = [];

  constructor(size: number) {
    this.free = Array.from({ length: size }, (_, i) => i);
  }

  acquire(): Promise<number> {
    const slot = this.free.shift();
    if (slot !== undefined) return Promise.resolve(slot);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(slot: number): void {
    const next = this.waiting.shift();
    if (next) next(slot);
    else this.free.push(slot);
  }
}

export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const uidBase = options.uidBase ?? DEFAULT_UID_BASE;
  const slots = Math.max(1, Math.floor(options.slots ?? 2));
  if (!Number.isInteger(uidBase) || uidBase < 1000) throw new RangeError('uidBase must be an unused uid of at least 1000');
  const uids = Array.from({ length: slots }, (_, i) => uidBase + i);
  const bwrap = options.bwrap ?? TOOLS.bwrap;
  const bwrapPart = bwrapArgs(bwrap);
  const pool = new SlotPool(slots);
  let probed: Availability | undefined;
  let warned = false;

  const owner = {};
  const sandboxState = () => (probed ??= setUp());

  /** Probes the chain once; claims the uids if anything will run under them. */
  function setUp(): Availability {
    const state = probeSandbox(bwrap, uids);
    const usesUids = state.ok || (options.unsafeLocal && process.getuid?.() === 0);
    if (!usesUids) return state;
    let refused: string | null;
    try {
      refused = claimUids(uids, owner);
    } catch (error) {
      refused = `could not claim the sandbox uids: ${(error as Error).message}`;
    }
    // A uid another sandbox uses is no reason to fall back to no isolation: refuse outright.
    return refused ? { ok: false, reason: refused, final: true } : state;
  }

  function availability(language?: Language): SandboxAvailability {
    const state = sandboxState();
    const interpreter = language ? INTERPRETERS[language] : undefined;
    if (interpreter && !existsSync(interpreter)) {
      return { ok: false, isolation: state.ok ? 'sandbox' : 'unsafe-local', reason: `${language} is not installed at ${interpreter}` };
    }
    if (state.ok) return { ok: true, isolation: 'sandbox' };
    if (options.unsafeLocal && !state.final) {
      return { ok: true, isolation: 'unsafe-local', reason: `NO ISOLATION: candidate code runs directly on this machine, because ${state.reason}` };
    }
    return { ok: false, isolation: 'sandbox', reason: state.reason! };
  }

  function planFor(language: Language, limits: Limits, slot: number, isolation: Isolation): Plan {
    const { command, processLimits } = harnessCommand(language, limits);
    const uid = uids[slot]!;
    if (isolation === 'sandbox') return { argv: [...dropTo(uid), ...limitTo(processLimits), ...bwrapPart, ...command], viaBwrap: true, uid };
    // Unsafe: as much of the chain as this machine allows, and no namespaces.
    if (process.getuid?.() === 0 && existsSync(TOOLS.setpriv) && existsSync(TOOLS.prlimit)) {
      return { argv: [...dropTo(uid), ...limitTo(processLimits), ...command], viaBwrap: false, uid };
    }
    if (existsSync(TOOLS.prlimit)) {
      // Not RLIMIT_NPROC: without a uid of its own it would count the server's processes too.
      return { argv: [...limitTo({ ...processLimits, processes: 0 }), ...command], viaBwrap: false, uid: null };
    }
    return { argv: command, viaBwrap: false, uid: null };
  }

  async function run(request: RunRequest): Promise<RunResult> {
    checkRequest(request);
    const limits = resolveLimits(request.limits);
    const state = availability(request.language);
    if (!state.ok) {
      return {
        status: 'unavailable',
        reason: state.reason!,
        isolation: state.isolation,
        timeMs: 0,
        tests: request.tests.map((test, index) => ({ index, verdict: 'not_run', ...(test.name !== undefined ? { name: test.name } : {}), ...(test.hidden ? { hidden: true } : {}) })),
      };
    }
    if (state.isolation === 'unsafe-local' && !warned) {
      warned = true;
      process.emitWarning(`mianshi sandbox: ${state.reason}`, { code: 'MIANSHI_UNSAFE_LOCAL' });
    }

    // Only what the harness needs; expected values stay here.
    const payload = JSON.stringify({
      source: request.source,
      entry: request.entry,
      outputBytes: limits.outputBytes,
      tests: request.tests.map((test) => (test.ops ? { args: test.args, ops: test.ops } : { args: test.args })),
    });
    const slot = await pool.acquire();
    try {
      const plan = planFor(request.language, limits, slot, state.isolation);
      const outcome = await execute(plan, payload, limits);
      return judge(request, outcome, limits, plan.viaBwrap, state.isolation);
    } finally {
      pool.release(slot);
    }
  }

  return { run, availability };
}
