// What the service tells whoever runs it: one JSON line per request and per grade on stdout, and
// /metrics in Prometheus' text format (requests and their latency by route, grades by grader,
// LLM errors, sandbox verdicts, the grading queue). Built per app, so tests get their own.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Grade } from './grading/types.ts';

export type LogLine = Record<string, unknown> & { level: 'info' | 'warn' | 'error'; msg: string };
export type Log = (line: LogLine) => void;

/** One JSON object per line: what log shippers (journald, Loki, CloudWatch) read without parsing rules. */
export const jsonLines: Log = (line) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`);

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class Observer {
  readonly registry = new Registry();
  private requests = new Counter({ name: 'mianshi_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
  private latency = new Histogram({ name: 'mianshi_http_request_duration_seconds', help: 'Time to the response headers, by route', labelNames: ['method', 'route'], buckets: SECONDS, registers: [this.registry] });
  private grades = new Counter({ name: 'mianshi_grades_total', help: 'Grades finished, by grader and outcome', labelNames: ['grader', 'outcome'], registers: [this.registry] });
  private gradeTime = new Histogram({ name: 'mianshi_grade_duration_seconds', help: 'Time to grade one answer, by grader', labelNames: ['grader'], buckets: SECONDS, registers: [this.registry] });
  private llmErrors = new Counter({ name: 'mianshi_llm_errors_total', help: 'Failed LLM judge attempts (each retry counts), by kind', labelNames: ['kind'], registers: [this.registry] });
  private fallbacks = new Counter({ name: 'mianshi_llm_fallbacks_total', help: 'Grades that fell back to the deterministic checks because the judge failed', registers: [this.registry] });
  private verdicts = new Counter({ name: 'mianshi_sandbox_verdicts_total', help: 'Code test verdicts from the sandbox', labelNames: ['verdict'], registers: [this.registry] });

  constructor(
    readonly log: Log = () => {},
    opts: { queueDepth?: () => number; processMetrics?: boolean } = {},
  ) {
    const depth = opts.queueDepth;
    new Gauge({
      name: 'mianshi_grade_queue_depth',
      help: 'Answers waiting for or being graded',
      registers: [this.registry],
      collect() {
        this.set(depth ? depth() : 0);
      },
    });
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'mianshi_' });
  }

  request(method: string, route: string, status: number, ms: number, extra: Record<string, unknown> = {}): void {
    this.requests.inc({ method, route, status: String(status) });
    this.latency.observe({ method, route }, ms / 1000);
    this.log({ level: status >= 500 ? 'error' : 'info', msg: 'request', method, route, status, ms: Math.round(ms * 10) / 10, ...extra });
  }

  graded(gradeId: string, grade: Grade): void {
    this.grades.inc({ grader: grade.grader, outcome: 'done' });
    this.gradeTime.observe({ grader: grade.grader }, grade.timings.totalMs / 1000);
    if (grade.flags.includes('llm_failed')) this.fallbacks.inc();
    for (const t of grade.code?.tests ?? []) this.verdicts.inc({ verdict: t.verdict });
    this.log({ level: 'info', msg: 'graded', grade: gradeId, grader: grade.grader, score: grade.score, ms: grade.timings.totalMs, flags: grade.flags });
  }

  /** A grading attempt that broke: `retry` when it will be tried again. */
  gradeFailed(gradeId: string, error: string, retry = false): void {
    this.grades.inc({ grader: 'none', outcome: retry ? 'retry' : 'failed' });
    this.log({ level: retry ? 'warn' : 'error', msg: retry ? 'grading attempt failed; trying again' : 'grading failed', grade: gradeId, error });
  }

  llmError(kind: string, status?: number): void {
    this.llmErrors.inc({ kind: status ? `status_${status}` : kind });
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
