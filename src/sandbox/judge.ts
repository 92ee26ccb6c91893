// Turning what a harness reported, and how its process ended, into verdicts. Expected values
// are compared here, outside the sandbox.
import { FILE_BYTES, signalName } from './chain.ts';
import { reviveTags, sameValue } from './compare.ts';
import type { Isolation, Limits, RunRequest, RunResult, TestResult, Verdict } from './run.ts';

const LOG_CHARS = 4000;

/** A line from a harness (the records are listed at the top of harness.py). */
export type Report =
  | { t: 'ready' }
  | { t: 'syntax'; error: string; line: number | null }
  | { t: 'load'; verdict: Verdict; error: string; stdout?: string }
  | { t: 'result'; i: number; value: unknown; stdout?: string; ms?: number }
  | { t: 'error'; i: number; verdict: Verdict; error: string; stdout?: string; ms?: number }
  | { t: 'done' };

/** How one run of the chain went, as execute() in run.ts collected it. */
export interface Outcome {
  records: Report[];
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why we stopped it, if we did. */
  stoppedFor: 'time' | 'output' | null;
  overflowed: string | null;
  stdout: string;
  stderr: string;
  spawnError: string | null;
  ms: number;
}

/** The verdicts a harness may report for a test (the others are decided here). */
const REPORTABLE: ReadonlySet<string> = new Set(['runtime_error', 'memory_limit', 'output_limit', 'time_limit']);

/** One result line as a Report, or null. The candidate's code shares the harness's process and
 * can write to fd 3 too, so nothing about a line is trusted: it can at most misreport its own
 * results, never break this side. */
export function parseReport(line: string): Report | null {
  let value: unknown;
  try {
    value = JSON.parse(line, reviveTags);
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const r = value as { [key: string]: unknown };
  const text = (field: unknown) => (typeof field === 'string' ? field : JSON.stringify(field) ?? '');
  const extra = {
    ...(typeof r['stdout'] === 'string' && r['stdout'] ? { stdout: r['stdout'] } : {}),
    ...(typeof r['ms'] === 'number' ? { ms: r['ms'] } : {}),
  };
  const verdict = (REPORTABLE.has(r['verdict'] as string) ? r['verdict'] : 'runtime_error') as Verdict;
  switch (r['t']) {
    case 'ready':
    case 'done':
      return { t: r['t'] };
    case 'syntax':
      return { t: 'syntax', error: text(r['error']), line: typeof r['line'] === 'number' ? r['line'] : null };
    case 'load':
      return { t: 'load', verdict, error: text(r['error']), ...extra };
    case 'result':
    case 'error': {
      const i = r['i'];
      if (typeof i !== 'number' || !Number.isInteger(i) || i < 0) return null;
      return r['t'] === 'result' ? { t: 'result', i, value: r['value'], ...extra } : { t: 'error', i, verdict, error: text(r['error']), ...extra };
    }
    default:
      return null;
  }
}

const MEMORY_MESSAGES = /MemoryError|heap out of memory|Allocation failed|bad_alloc|Cannot allocate memory|out of memory/i;
const SIGNAL_WORDS: { [signal: string]: string } = {
  SIGSEGV: 'segmentation fault',
  SIGBUS: 'bus error',
  SIGILL: 'illegal instruction',
  SIGFPE: 'arithmetic error',
  SIGABRT: 'aborted',
  SIGSYS: 'forbidden system call',
};

/** Why a run that did not finish ended, as the verdict for the test it was in. */
function causeOf(outcome: Outcome, limits: Limits, viaBwrap: boolean): { verdict: Verdict; reason: string } {
  if (outcome.stoppedFor === 'time') return { verdict: 'time_limit', reason: `the run went over its time limit of ${limits.timeMs} ms and was stopped` };
  if (outcome.stoppedFor === 'output') return { verdict: 'output_limit', reason: `the program wrote too much (${outcome.overflowed}) and was stopped` };
  const signal = signalName(outcome.code, outcome.signal, viaBwrap);
  if (signal === 'SIGXCPU' || signal === 'SIGKILL') return { verdict: 'time_limit', reason: `the program used up its CPU time and was killed (${signal})` };
  if (MEMORY_MESSAGES.test(outcome.stderr)) return { verdict: 'memory_limit', reason: `the program ran out of memory (limit ${limits.memoryMb} MB)` };
  if (signal === 'SIGXFSZ') return { verdict: 'runtime_error', reason: `the program wrote a file larger than ${FILE_BYTES} bytes` };
  if (signal) return { verdict: 'runtime_error', reason: `the program crashed: ${SIGNAL_WORDS[signal] ?? 'killed by a signal'} (${signal})` };
  if (outcome.code) return { verdict: 'runtime_error', reason: `the program exited with code ${outcome.code} before finishing` };
  return { verdict: 'runtime_error', reason: 'the program exited before finishing the tests' };
}

export function judge(request: RunRequest, outcome: Outcome, limits: Limits, viaBwrap: boolean, isolation: Isolation): RunResult {
  const count = request.tests.length;
  const log = (outcome.stderr + outcome.stdout).slice(-LOG_CHARS);
  const base = { isolation, timeMs: Math.round(outcome.ms * 10) / 10, ...(log ? { log } : {}) };
  const label = (index: number) => {
    const test = request.tests[index]!;
    return { index, ...(test.name !== undefined ? { name: test.name } : {}), ...(test.hidden ? { hidden: true } : {}) };
  };
  if (outcome.spawnError) {
    return { status: 'unavailable', reason: `could not start the program: ${outcome.spawnError}`, tests: request.tests.map((_, i) => ({ ...label(i), verdict: 'not_run' })), ...base };
  }

  const syntax = outcome.records.find((r) => r.t === 'syntax');
  if (syntax) {
    return { status: 'syntax_error', reason: syntax.error, tests: request.tests.map((_, i) => ({ ...label(i), verdict: 'syntax_error', error: syntax.error })), ...base };
  }

  const results: (TestResult | undefined)[] = new Array(count).fill(undefined);
  const load = outcome.records.find((r) => r.t === 'load');
  if (load) {
    for (let i = 0; i < count; i++) results[i] = { ...label(i), verdict: load.verdict, error: `while loading your code: ${load.error}`, ...(load.stdout ? { stdout: load.stdout } : {}) };
  }
  for (const record of outcome.records) {
    if ((record.t !== 'result' && record.t !== 'error') || record.i >= count) continue;
    if (results[record.i]) continue; // the first report of a test counts
    const common = { ...label(record.i), ...(record.stdout ? { stdout: record.stdout } : {}), ...(record.ms !== undefined ? { timeMs: record.ms } : {}) };
    if (record.t === 'result') {
      const passed = sameValue(record.value, request.tests[record.i]!.expected);
      results[record.i] = { ...common, verdict: passed ? 'passed' : 'wrong_answer', actual: record.value };
    } else {
      results[record.i] = { ...common, verdict: record.verdict, error: record.error };
    }
  }

  const done = load !== undefined || outcome.records.some((r) => r.t === 'done');
  if (done) {
    const tests = results.map((r, i) => r ?? { ...label(i), verdict: 'runtime_error' as const, error: 'no result was reported for this test' });
    return { status: 'completed', tests, ...base };
  }

  // Killed: the first unfinished test was running; the ones after it never started.
  const cause = causeOf(outcome, limits, viaBwrap);
  const running = results.findIndex((r) => r === undefined);
  const tests = results.map((r, i): TestResult => {
    if (r) return r;
    if (i === running) return { ...label(i), verdict: cause.verdict, error: cause.reason };
    if (cause.verdict === 'time_limit') return { ...label(i), verdict: 'time_limit', error: 'not run: the time limit was used up before this test' };
    return { ...label(i), verdict: 'not_run' };
  });
  return { status: 'killed', reason: cause.reason, tests, ...base };
}

