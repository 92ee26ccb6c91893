// The only schema source. `npm run db:generate` turns changes here into a migration in
// migrations/; the service applies migrations at start. Times are epoch milliseconds.
import { sql } from 'drizzle-orm';
import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export interface SessionSettings {
  count: number;
  topics: string[];
  kinds: string[];
  difficulty: string[];
  /** Seconds a candidate has per question; 0 means untimed. */
  secondsPerQuestion: number;
}

/** A question as it was asked: later bank or rubric edits do not rewrite history. */
export interface QuestionSnapshot {
  id: string;
  title: string;
  prompt: string;
  kind: string;
  topics: string[];
  difficulty: string;
}

export const sessions = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    /** SHA-256 of the bearer token; the token itself is shown once and never stored. */
    tokenHash: text('token_hash').notNull(),
    /** A local profile: a name, no password, so practice history can shape what comes next. */
    profile: text('profile'),
    mode: text('mode', { enum: ['solo', 'assisted'] }).notNull().default('solo'),
    status: text('status', { enum: ['active', 'finished'] }).notNull().default('active'),
    lang: text('lang', { enum: ['zh', 'en'] }).notNull().default('zh'),
    settings: text('settings', { mode: 'json' }).$type<SessionSettings>().notNull(),
    /** Question ids in the order they will be asked. */
    plan: text('plan', { mode: 'json' }).$type<string[]>().notNull(),
    createdAt: integer('created_at').notNull(),
    finishedAt: integer('finished_at'),
  },
  (t) => [index('sessions_profile').on(t.profile, t.createdAt)],
);

export const turns = sqliteTable(
  'turns',
  {
    id: text('id').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id),
    seq: integer('seq').notNull(),
    questionId: text('question_id').notNull(),
    question: text('question', { mode: 'json' }).$type<QuestionSnapshot>().notNull(),
    /** Set when this turn is a follow-up to another turn. */
    followUpOf: text('follow_up_of'),
    status: text('status', { enum: ['asked', 'answered', 'skipped'] }).notNull().default('asked'),
    answer: text('answer'),
    /** zh | en for prose, or the programming language of a code answer. */
    language: text('language'),
    idempotencyKey: text('idempotency_key'),
    hintsUsed: integer('hints_used').notNull().default(0),
    /** The answer as the candidate types it, saved so a reload loses nothing. */
    draft: text('draft'),
    askedAt: integer('asked_at').notNull(),
    answeredAt: integer('answered_at'),
    timeTakenMs: integer('time_taken_ms'),
  },
  (t) => [uniqueIndex('turns_session_seq').on(t.sessionId, t.seq), uniqueIndex('turns_idempotency').on(t.sessionId, t.idempotencyKey)],
);

export const grades = sqliteTable(
  'grades',
  {
    id: text('id').primaryKey(),
    turnId: text('turn_id')
      .notNull()
      .references(() => turns.id),
    /** pending until graded; failed means the grader broke, not that the answer did. */
    status: text('status', { enum: ['pending', 'done', 'failed'] }).notNull().default('pending'),
    score: real('score'),
    maxScore: real('max_score'),
    grader: text('grader', { enum: ['deterministic', 'llm+deterministic'] }),
    model: text('model'),
    promptVersion: text('prompt_version'),
    rubricHash: text('rubric_hash'),
    /** Key points with evidence, check results, feedback, follow-up, timings. */
    result: text('result', { mode: 'json' }).$type<Record<string, unknown>>(),
    flags: text('flags', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    attempts: integer('attempts').notNull().default(0),
    error: text('error'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('grades_status').on(t.status), index('grades_turn').on(t.turnId)],
);
