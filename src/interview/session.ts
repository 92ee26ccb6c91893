// The interview as a state machine over the database: a session draws its questions, asks them
// one turn at a time, stores each answer before it is graded, hands out hints, asks follow-ups,
// and finishes. Pages and the JSON API both go through this; neither touches the tables.
//
// Turn life: asked -> answered (a grade row is created with it, pending) | skipped.
// The current turn is the one with the highest seq.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Question } from '../bank/bank.ts';
import type { Difficulty, Kind, Topic } from '../bank/classify.ts';
import type { BankStore } from '../bank/store.ts';
import type { Db } from '../db/index.ts';
import { grades, sessions, signals, turns, type QuestionSnapshot, type SessionSettings } from '../db/schema.ts';
import { maxAfterHints } from '../grading/combine.ts';
import type { GradeInput } from '../grading/grade.ts';
import type { Grade } from '../grading/types.ts';
import { draftRubric } from '../rubrics/draft.ts';
import type { Rubric } from '../rubrics/schema.ts';
import { drawQuestions, weakTopics, type History } from './draw.ts';
import { SessionEvents, type SessionChange } from './events.ts';
import { inTransaction, prepareQueries, type Queries } from './queries.ts';

export const LIMITS = { proseChars: 20_000, codeBytes: 64 * 1024, draftChars: 70_000 };

export type Session = typeof sessions.$inferSelect;
export type Turn = typeof turns.$inferSelect;
export type GradeRow = typeof grades.$inferSelect;
export type Signal = typeof signals.$inferSelect;

/** Why a request cannot be done: a value the routes turn into a status and a message. */
export interface Refusal {
  refused:
    | 'empty'
    | 'too_long'
    | 'finished'
    | 'answered'
    | 'no_hints'
    | 'no_follow_up'
    | 'no_questions'
    | 'unknown_question'
    | 'not_answered'
    | 'interviewer_leads'
    | 'already_asked';
  message: string;
}
export const isRefusal = (x: unknown): x is Refusal => typeof x === 'object' && x !== null && 'refused' in x;

export interface NewSession {
  count?: number;
  topics?: Topic[];
  kinds?: Kind[];
  difficulty?: Difficulty[];
  profile?: string;
  questionIds?: string[];
  secondsPerQuestion?: number;
  lang?: 'zh' | 'en';
  mode?: 'solo' | 'assisted';
  /** Assisted sessions: the interviewer running it and the candidate's name. */
  interviewerId?: string;
  candidate?: string;
}

const newId = (bytes: number) => randomBytes(bytes).toString('base64url');
const hashToken = (token: string) => createHash('sha256').update(token).digest();

/** A grade row waiting for the grader: for a new answer, or a regrade beside the original. */
export function pendingGrade(turn: Pick<Turn, 'id' | 'hintsUsed'>, origin: GradeRow['origin'], now: number): GradeRow {
  return {
    id: newId(12),
    turnId: turn.id,
    status: 'pending',
    score: null,
    maxScore: maxAfterHints(turn.hintsUsed),
    grader: null,
    model: null,
    promptVersion: null,
    rubricHash: null,
    result: null,
    flags: [],
    attempts: 0,
    error: null,
    createdAt: now,
    updatedAt: now,
    origin,
  };
}
export interface InterviewDeps {
  db: Db;
  bank: BankStore;
  rubrics: Map<string, Rubric>;
  now?: () => number;
  random?: () => number;
  events?: SessionEvents;
}

/** In an assisted session the interviewer moves on, hints and asks follow-ups; the candidate answers. */
const INTERVIEWER_LEADS: Refusal = { refused: 'interviewer_leads', message: 'in this interview the interviewer moves on, gives hints and asks follow-ups' };

export class Interviews {
  readonly events: SessionEvents;
  private now: () => number;
  private random: () => number;

  private q: Queries;

  constructor(private deps: InterviewDeps) {
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.q = prepareQueries(deps.db);
    this.events = deps.events ?? new SessionEvents();
  }

  private changed(sessionId: string, change: SessionChange) {
    this.events.emit(sessionId, change);
  }

  /** The refusal for a candidate's move (next, hint, follow-up, finish) that an assisted session leaves to the interviewer. */
  refuseIfInterviewerLeads(session: Session): Refusal | undefined {
    return session.mode === 'assisted' ? INTERVIEWER_LEADS : undefined;
  }

  private drafts = new Map<string, Rubric>();

  /** The rubric a question is graded with: the curated one, or a draft (made once, then kept). */
  rubricFor(questionId: string): Rubric | undefined {
    const curated = this.deps.rubrics.get(questionId);
    if (curated) return curated;
    let draft = this.drafts.get(questionId);
    if (!draft) {
      const q = this.deps.bank.get(questionId);
      if (!q) return undefined;
      this.drafts.set(questionId, (draft = draftRubric(q)));
    }
    return draft;
  }

  /** The question as the rubric presents it: its prompt and kind win over the bank's guesses. */
  presented(q: Question): Question {
    const r = this.deps.rubrics.get(q.id);
    const kind = r?.kind ?? q.kind;
    return { ...q, prompt: r?.prompt ?? q.prompt, kind: kind === 'coding' && !r?.coding ? 'design' : kind };
  }

  snapshot(q: Question): QuestionSnapshot {
    const p = this.presented(q);
    return { id: p.id, title: p.title, prompt: p.prompt, kind: p.kind, topics: p.topics, difficulty: p.difficulty };
  }

  /** Best score (0..1) per question over a profile's earlier sessions. */
  history(profile: string | undefined): History {
    const h: History = new Map();
    if (!profile) return h;
    const rows = this.deps.db
      .select({ questionId: turns.questionId, score: grades.score, max: grades.maxScore, followUpOf: turns.followUpOf })
      .from(grades)
      .innerJoin(turns, eq(grades.turnId, turns.id))
      .innerJoin(sessions, eq(turns.sessionId, sessions.id))
      .where(and(eq(sessions.profile, profile), eq(grades.status, 'done'), eq(grades.origin, 'answer')))
      .all();
    for (const r of rows) {
      if (r.followUpOf || r.score === null) continue;
      h.set(r.questionId, Math.max(h.get(r.questionId) ?? 0, r.score / 10));
    }
    return h;
  }

  create(opts: NewSession): { session: Session; token: string; turn: Turn } | Refusal {
    const count = Math.max(1, Math.min(50, Math.round(opts.count ?? 5)));
    let plan: string[];
    if (opts.questionIds?.length) {
      const unknown = opts.questionIds.filter((id) => !this.deps.bank.get(id));
      if (unknown.length) return { refused: 'unknown_question', message: `no such question: ${unknown.join(', ')}` };
      plan = [...new Set(opts.questionIds)];
    } else {
      const history = this.history(opts.profile);
      const weak = weakTopics((id) => this.deps.bank.get(id), history);
      const candidates = this.deps.bank.questions.map((q) => this.presented(q));
      plan = drawQuestions(candidates, { count, topics: opts.topics, kinds: opts.kinds, difficulty: opts.difficulty }, history, weak, this.random).map((q) => q.id);
    }
    if (plan.length === 0) return { refused: 'no_questions', message: 'no question matches these choices; choose more topics or kinds' };
    const token = newId(32); // 256 bits
    const now = this.now();
    const session: Session = {
      id: newId(12),
      tokenHash: hashToken(token).toString('hex'),
      profile: opts.profile?.trim().slice(0, 64) || null,
      mode: opts.mode ?? 'solo',
      status: 'active',
      lang: opts.lang ?? 'zh',
      settings: {
        count: plan.length,
        topics: opts.topics ?? [],
        kinds: opts.kinds ?? [],
        difficulty: opts.difficulty ?? [],
        secondsPerQuestion: Math.max(0, Math.min(3600, Math.round(opts.secondsPerQuestion ?? 0))),
      } satisfies SessionSettings,
      plan,
      createdAt: now,
      finishedAt: null,
      interviewerId: opts.interviewerId ?? null,
      candidate: opts.candidate?.trim().slice(0, 80) || null,
      shareDraft: false,
      pausedAt: null,
    };
    const turn = inTransaction(this.deps.db, () => {
      this.deps.db.insert(sessions).values(session).run();
      return this.ask(session, 0);
    });
    return { session, token, turn };
  }

  private ask(session: Session, seq: number, followUp?: { of: Turn; text: string }): Turn {
    const planned = this.deps.bank.get(followUp ? followUp.of.questionId : session.plan[this.planIndex(session.id)]!)!;
    const question = followUp
      ? { ...followUp.of.question, prompt: followUp.text, title: followUp.of.question.title }
      : this.snapshot(planned);
    const turn: Turn = {
      id: newId(12),
      sessionId: session.id,
      seq,
      questionId: planned.id,
      question,
      followUpOf: followUp?.of.id ?? null,
      status: 'asked',
      answer: null,
      language: null,
      idempotencyKey: null,
      hintsUsed: 0,
      draft: null,
      askedAt: this.now(),
      answeredAt: null,
      timeTakenMs: null,
      pausedMs: 0,
    };
    this.q.insertTurn.run(turn);
    return turn;
  }

  /** How many planned (not follow-up) questions have been asked. */
  private planIndex(sessionId: string): number {
    return this.q.plannedAsked.get({ sid: sessionId })!.n;
  }

  /** The session, if `token` is its token (compared in constant time). Undefined says nothing about which was wrong. */
  authorize(sessionId: string, token: string | undefined): Session | undefined {
    if (!token || sessionId.length > 64) return undefined;
    const s = this.q.sessionById.get({ id: sessionId });
    const given = hashToken(token);
    const stored = Buffer.from(s?.tokenHash ?? '0'.repeat(64), 'hex');
    const ok = timingSafeEqual(given, stored);
    return s && ok ? s : undefined;
  }

  get(sessionId: string): Session | undefined {
    return this.q.sessionById.get({ id: sessionId });
  }

  turns(sessionId: string): Turn[] {
    return this.q.turnsOf.all({ sid: sessionId });
  }

  current(sessionId: string): Turn | undefined {
    return this.q.currentTurn.get({ sid: sessionId });
  }

  grade(turnId: string): GradeRow | undefined {
    return this.q.gradeOfTurn.get({ tid: turnId });
  }

  sessionOfGrade(gradeId: string): string | undefined {
    return this.q.sessionOfGrade.get({ id: gradeId })?.sid;
  }

  gradeById(gradeId: string): GradeRow | undefined {
    return this.q.gradeById.get({ id: gradeId });
  }

  /**
   * The latest grade of every turn of a session, by turn id. `light` reads no result JSON (result
   * null, flags empty): enough to know a grade's state, a tenth of the cost for a long session.
   */
  gradesOf(sessionId: string, opts: { light?: boolean } = {}): Map<string, GradeRow> {
    const out = new Map<string, GradeRow>();
    if (opts.light) {
      for (const g of this.q.gradeStatesOfSession.all({ sid: sessionId })) out.set(g.turnId, { ...g, result: null, flags: [] });
      return out;
    }
    for (const { grade } of this.q.gradesOfSession.all({ sid: sessionId })) out.set(grade.turnId, grade);
    return out;
  }

  /** Is this a code answer? Decided by the turn's question and rubric, not by the candidate. */
  isCode(turn: Turn): boolean {
    return !turn.followUpOf && turn.question.kind === 'coding' && !!this.rubricFor(turn.questionId)?.coding;
  }

  /**
   * Store an answer, exactly once. The same idempotency key, or a second submit of a turn already
   * answered (double click, two tabs, a retry), returns the first answer and its grade.
   */
  submit(session: Session, input: { answer: string; language?: string; idempotencyKey?: string }): { turn: Turn; grade: GradeRow; replay: boolean } | Refusal {
    if (session.status === 'finished') return { refused: 'finished', message: 'this interview has finished' };
    const r = this.store(session, input);
    if (!isRefusal(r) && !r.replay) this.changed(session.id, 'answered');
    return r;
  }

  private store(session: Session, input: { answer: string; language?: string; idempotencyKey?: string }): { turn: Turn; grade: GradeRow; replay: boolean } | Refusal {
    const key = input.idempotencyKey?.slice(0, 128) || null;
    return inTransaction(this.deps.db, () => {
      if (key) {
        const seen = this.q.turnByKey.get({ sid: session.id, key });
        if (seen) return { turn: seen, grade: this.grade(seen.id)!, replay: true };
      }
      const turn = this.current(session.id)!;
      if (turn.status === 'answered') return { turn, grade: this.grade(turn.id)!, replay: true };
      if (turn.status !== 'asked') return { refused: 'answered', message: 'this question was skipped; go on to the next one' };
      const answer = input.answer.replace(/\r\n/g, '\n');
      if (answer.trim() === '') return { refused: 'empty', message: 'the answer is empty: write something first (or skip the question)' };
      const code = this.isCode(turn);
      if (code && Buffer.byteLength(answer) > LIMITS.codeBytes) return { refused: 'too_long', message: `code answers are limited to 64 KiB (this one is ${Math.ceil(Buffer.byteLength(answer) / 1024)} KiB)` };
      if (!code && answer.length > LIMITS.proseChars) return { refused: 'too_long', message: `answers are limited to 20,000 characters (this one has ${answer.length})` };
      const now = this.now();
      const language = input.language?.slice(0, 20) || (code ? this.rubricFor(turn.questionId)!.coding!.language : undefined) || null;
      // Time the interviewer held the clock does not count.
      const paused = turn.pausedMs + (session.pausedAt ? now - session.pausedAt : 0);
      const answered = { ...turn, answer, language, status: 'answered' as const, answeredAt: now, timeTakenMs: now - turn.askedAt - paused, idempotencyKey: key, draft: null };
      this.q.answerTurn.run({ id: turn.id, answer, language, at: now, ms: answered.timeTakenMs, key });
      const grade = pendingGrade(turn, 'answer', now);
      this.q.insertGrade.run(grade);
      return { turn: answered, grade, replay: false };
    });
  }

  /** Save what the candidate is typing, so a reload or a lost connection loses nothing. */
  saveDraft(session: Session, text: string): boolean {
    const turn = this.current(session.id);
    if (!turn || turn.status !== 'asked' || session.status === 'finished') return false;
    this.q.setDraft.run({ id: turn.id, draft: text.slice(0, LIMITS.draftChars) });
    if (session.shareDraft) this.changed(session.id, 'draft');
    return true;
  }

  /** The next hint for the current question; each one lowers what the question can score. */
  hint(session: Session): { hint: string; hintsUsed: number; max: number } | Refusal {
    if (session.status === 'finished') return { refused: 'finished', message: 'this interview has finished' };
    const turn = this.current(session.id)!;
    if (turn.status !== 'asked') return { refused: 'answered', message: 'hints are for a question you have not answered yet' };
    const hints = this.rubricFor(turn.questionId)?.hints ?? [];
    if (turn.hintsUsed >= hints.length) return { refused: 'no_hints', message: 'there are no more hints for this question' };
    const hintsUsed = turn.hintsUsed + 1;
    this.q.setHints.run({ id: turn.id, n: hintsUsed });
    this.changed(session.id, 'hint');
    return { hint: hints[hintsUsed - 1]!, hintsUsed, max: maxAfterHints(hintsUsed) };
  }

  hintsShown(turn: Turn): string[] {
    return (this.rubricFor(turn.questionId)?.hints ?? []).slice(0, turn.hintsUsed);
  }

  /** Go on: the current question is skipped if unanswered; the next planned one is asked, or the session finishes. */
  next(session: Session): { turn: Turn } | { finished: true } | Refusal {
    if (session.status === 'finished') return { refused: 'finished', message: 'this interview has finished' };
    const r = inTransaction(this.deps.db, () => {
      const cur = this.current(session.id)!;
      if (cur.status === 'asked') this.q.skipTurn.run({ id: cur.id });
      if (this.planIndex(session.id) >= session.plan.length) {
        this.markFinished(session);
        return { finished: true as const };
      }
      return { turn: this.ask(session, cur.seq + 1) };
    });
    this.changed(session.id, 'finished' in r ? 'finished' : 'asked');
    return r;
  }

  /** Answer the follow-up the grade suggested: it becomes a turn of its own, graded on its own. */
  followUp(session: Session, written?: string): { turn: Turn } | Refusal {
    if (session.status === 'finished') return { refused: 'finished', message: 'this interview has finished' };
    const cur = this.current(session.id)!;
    if (cur.status !== 'answered') return { refused: 'not_answered', message: 'answer the question first' };
    // Asked of the turn it follows up: a follow-up to a follow-up is about the same question.
    const of = cur.followUpOf ? (this.q.turnById.get({ id: cur.followUpOf }) ?? cur) : cur;
    const text = written?.trim().slice(0, LIMITS.proseChars) || this.suggestedFollowUp(cur);
    if (!text) return { refused: 'no_follow_up', message: 'there is no follow-up question for this answer' };
    const turn = inTransaction(this.deps.db, () => this.ask(session, cur.seq + 1, { of, text }));
    this.changed(session.id, 'asked');
    return { turn };
  }

  /** The follow-up the grade (or else the rubric) suggests for an answered turn. */
  suggestedFollowUp(turn: Turn): string | undefined {
    const g = this.grade(turn.id);
    return (g?.result as Grade | null)?.followUp ?? this.rubricFor(turn.questionId)?.follow_ups[0];
  }

  finish(session: Session): void {
    if (session.status === 'finished') return;
    inTransaction(this.deps.db, () => {
      const cur = this.current(session.id);
      if (cur?.status === 'asked') this.q.skipTurn.run({ id: cur.id });
      this.markFinished(session);
    });
    this.changed(session.id, 'finished');
  }

  // ---- What only the interviewer of an assisted session does.

  /** A new candidate link: the old one (and any browser holding it) stops working. */
  rotateToken(session: Session): string {
    const token = newId(32);
    this.q.setTokenHash.run({ id: session.id, hash: hashToken(token).toString('hex') });
    return token;
  }

  /** Questions planned but not yet asked, in order. */
  upcoming(session: Session): string[] {
    return session.plan.slice(this.planIndex(session.id));
  }

  /**
   * Make `questionId` the next question: moved up if it is planned later, otherwise in place of
   * the next planned one (or after the last, when all were asked). Never one already asked.
   */
  chooseNext(session: Session, questionId: string): Refusal | undefined {
    if (session.status === 'finished') return { refused: 'finished', message: 'this interview has finished' };
    if (!this.deps.bank.get(questionId)) return { refused: 'unknown_question', message: `no such question: ${questionId}` };
    const at = this.planIndex(session.id);
    const asked = session.plan.slice(0, at);
    if (asked.includes(questionId)) return { refused: 'already_asked', message: 'this question was already asked in this interview' };
    const rest = session.plan.slice(at);
    const plan = rest.includes(questionId) ? [...asked, questionId, ...rest.filter((id) => id !== questionId)] : [...asked, questionId, ...rest.slice(1)];
    this.q.setPlan.run({ id: session.id, plan });
    session.plan = plan;
    return undefined;
  }

  /** A paste or the candidate leaving the tab, beside the turn it happened in. Assisted sessions only. */
  recordSignal(session: Session, kind: Signal['kind'], chars?: number): boolean {
    if (session.mode !== 'assisted' || session.status === 'finished') return false;
    // A page that reports without end is a broken or hostile page: keep the first thousand.
    if (this.q.signalCount.get({ sid: session.id })!.n >= 1000) return false;
    const turn = this.current(session.id);
    this.deps.db
      .insert(signals)
      .values({ sessionId: session.id, turnId: turn?.id ?? null, kind, chars: kind === 'paste' ? Math.max(0, Math.min(10_000_000, Math.round(chars ?? 0))) : null, at: this.now() })
      .run();
    this.changed(session.id, 'signal');
    return true;
  }

  signalsOf(sessionId: string): Signal[] {
    return this.q.signalsOf.all({ sid: sessionId });
  }

  /** Stop or restart the clock of the current question. */
  setPaused(session: Session, paused: boolean): void {
    if (session.status === 'finished' || paused === !!session.pausedAt) return;
    const now = this.now();
    inTransaction(this.deps.db, () => {
      if (!paused) {
        const cur = this.current(session.id);
        if (cur?.status === 'asked') this.q.addPausedMs.run({ id: cur.id, ms: now - session.pausedAt! });
      }
      this.q.setPaused.run({ id: session.id, at: paused ? now : null });
    });
    session.pausedAt = paused ? now : null;
    this.changed(session.id, paused ? 'paused' : 'resumed');
  }

  /** The candidate's choice to let the interviewer watch the draft as it is typed. */
  setShareDraft(session: Session, share: boolean): void {
    this.q.setShareDraft.run({ id: session.id, share });
    session.shareDraft = share;
    this.changed(session.id, 'consent');
  }

  /** When the current question's time runs out, in epoch ms; undefined if untimed or paused. */
  deadline(session: Session, turn: Turn): number | undefined {
    const secs = session.settings.secondsPerQuestion;
    if (!secs || turn.status !== 'asked' || session.pausedAt) return undefined;
    return turn.askedAt + turn.pausedMs + secs * 1000;
  }

  private markFinished(session: Session) {
    this.q.finishSession.run({ id: session.id, at: this.now() });
    session.status = 'finished';
  }

  /** What grading a stored turn needs: its question as asked, its rubric, its answer. */
  gradeInput(turnId: string): GradeInput | undefined {
    const turn = this.q.turnById.get({ id: turnId });
    if (!turn?.answer) return undefined;
    const rubric = this.rubricFor(turn.questionId);
    if (!rubric) return undefined;
    const q = turn.question;
    // A follow-up is prose about the same question: graded on its key points, not its code.
    const asked = turn.followUpOf ? { ...rubric, coding: undefined, kind: 'concept' as const } : rubric;
    return {
      question: { id: q.id, title: q.title, prompt: q.prompt, kind: turn.followUpOf ? 'concept' : (q.kind as Kind) },
      rubric: asked,
      answer: turn.answer,
      language: turn.language ?? undefined,
      hintsUsed: turn.hintsUsed,
    };
  }
}
