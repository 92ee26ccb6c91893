// Entry point: read the configuration, load the bank, build the app, serve.
import { serve } from '@hono/node-server';
import { createApp } from './app.tsx';
import { BankStore } from './bank/store.ts';
import { loadConfig } from './config.ts';
import { openDatabase } from './db/index.ts';
import { statsFor } from './grading/batch.ts';
import { gradingParts } from './grading/deps.ts';
import { GradingThreads } from './grading/threads.ts';
import { formatProblem, loadRubrics } from './rubrics/load.ts';
import { jsonLines, Observer } from './observe.ts';
import { buildServices } from './services.ts';

/** How long requests in flight get to finish when the service is asked to stop. */
const STOP_GRACE_MS = 3000;

function main() {
  const config = loadConfig();
  const bank = BankStore.load(config.BANK_PATH);
  const db = openDatabase(config.DATABASE_PATH);
  // The queue depth is read when /metrics is scraped; the runner exists by then.
  let services: ReturnType<typeof buildServices> | undefined;
  const observer = new Observer(jsonLines, { queueDepth: () => services?.runner.depth ?? 0, processMetrics: true });
  const grading = gradingParts(config, 0, (kind, status) => observer.llmError(kind, status));
  for (const notice of grading.notices) console.warn(JSON.stringify({ level: 'warn', msg: notice }));
  if (!grading.judge) console.warn(JSON.stringify({ level: 'warn', msg: grading.judgeMissingReason }));
  const { rubrics, problems } = loadRubrics(config.RUBRICS_DIR);
  for (const p of problems) console.warn(JSON.stringify({ level: 'warn', msg: 'rubric not loaded; its question is graded with a draft', problem: formatProblem(p) }));
  for (const [id] of rubrics) {
    if (!bank.get(id)) console.warn(JSON.stringify({ level: 'warn', msg: 'rubric for a question the bank does not have; it is never used', problem: `${config.RUBRICS_DIR}/${id}.json: question_id: no question ${id} in ${config.BANK_PATH}` }));
  }
  grading.stats = statsFor(bank);
  // Grading threads keep the checks' CPU (and any runaway grade) off the thread serving requests.
  const threads = config.GRADING_THREADS > 0 ? new GradingThreads(config, config.GRADING_THREADS, config.GRADE_TIMEOUT_MS) : undefined;
  if (threads) threads.onLlmFailure = (kind, status) => observer.llmError(kind, status);
  services = buildServices({ db, bank, rubrics, grading, threads, concurrency: config.GRADING_CONCURRENCY });
  // Answers stored before a crash and never graded are graded now.
  const resumed = services.runner.resumePending();
  if (resumed) console.log(JSON.stringify({ level: 'info', msg: 'resuming grades left pending', count: resumed }));
  const app = createApp({ config, bank, db, services, notices: grading.notices, observer, sandbox: grading.sandbox });
  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
    console.log(JSON.stringify({ level: 'info', msg: 'listening', url: `http://${info.address}:${info.port}`, questions: bank.questions.length }));
  });
  server.on('error', (e: NodeJS.ErrnoException) => {
    const hint = e.code === 'EADDRINUSE' ? ` (port ${config.PORT} is in use; set PORT to another port)` : '';
    console.error(`mianshi cannot listen on ${config.HOST}:${config.PORT}: ${e.message}${hint}`);
    process.exit(1);
  });
  // Stop taking requests, let those in flight finish (a few seconds at most: live views and
  // candidate pages hold event streams open forever), then close the grading threads and the
  // database. Grades not finished are pending in the database and resume at the next start.
  const stop = () => {
    server.close(async () => {
      await threads?.close();
      db.$client.close();
      process.exit(0);
    });
    const http = server as unknown as { closeIdleConnections?: () => void; closeAllConnections?: () => void };
    http.closeIdleConnections?.();
    setTimeout(() => http.closeAllConnections?.(), STOP_GRACE_MS).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

try {
  main();
} catch (e) {
  console.error(`mianshi cannot start: ${(e as Error).message}`);
  process.exit(1);
}
