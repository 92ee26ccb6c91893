// The long-lived parts the routes use, built once from their dependencies: the interview state
// machine and the grader that works behind it.
import { Accounts } from './accounts/accounts.ts';
import type { BankStore } from './bank/store.ts';
import type { Db } from './db/index.ts';
import { gradeAnswer, type GradeDeps } from './grading/grade.ts';
import type { GradingThreads } from './grading/threads.ts';
import { GradeRunner, type Grader } from './interview/grader.ts';
import { Interviews } from './interview/session.ts';
import { Annotations } from './review/annotations.ts';
import type { Rubric } from './rubrics/schema.ts';

export interface Services {
  interviews: Interviews;
  runner: GradeRunner;
  accounts: Accounts;
  /** Notes and grade overrides on turns: the human side of review. */
  annotations: Annotations;
}

export function buildServices(parts: {
  db: Db;
  bank: BankStore;
  rubrics: Map<string, Rubric>;
  grading: GradeDeps;
  /** Grade on these threads instead of the request thread (the service does; tests mostly not). */
  threads?: GradingThreads;
  concurrency?: number;
  now?: () => number;
  random?: () => number;
}): Services {
  const interviews = new Interviews({ db: parts.db, bank: parts.bank, rubrics: parts.rubrics, now: parts.now, random: parts.random });
  const grader: Grader = parts.threads ? (input, onStage) => parts.threads!.grade(input, onStage) : (input, onStage) => gradeAnswer(input, parts.grading, onStage);
  const runner = new GradeRunner(parts.db, (turnId) => interviews.gradeInput(turnId), grader, parts.concurrency ?? 4, parts.now);
  // Whoever watches a session live sees its grades arrive stage by stage.
  runner.watch((gradeId) => {
    if (!interviews.events.watched()) return; // no query per grade stage when nobody watches
    const sid = interviews.sessionOfGrade(gradeId);
    if (sid && interviews.events.watched(sid)) interviews.events.emit(sid, 'graded');
  });
  return { interviews, runner, accounts: new Accounts(parts.db, parts.now), annotations: new Annotations(parts.db, parts.now) };
}
