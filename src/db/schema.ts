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

/** Interviewers run assisted sessions and review; reviewers only review. Solo practice needs no account. */
export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  role: text('role', { enum: ['interviewer', 'reviewer'] }).notNull(),
  /** scrypt$N$r$p$salt$hash (base64url); see src/accounts/accounts.ts. */
  passwordHash: text('password_hash').notNull(),
  createdAt: integer('created_at').notNull(),
});

/** A signed-in browser: the cookie holds a random token, the table its SHA-256. */
export const logins = sqliteTable(
  'logins',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    /** The CSRF token every state change from this login must carry. */
    csrf: text('csrf').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [index('logins_user').on(t.userId)],
);

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
    /** Assisted sessions: who runs it, and the candidate's name as the interviewer typed it. */
    interviewerId: text('interviewer_id').references(() => users.id),
    candidate: text('candidate'),
    /** The candidate agreed that the interviewer sees the draft as it is typed. */
    shareDraft: integer('share_draft', { mode: 'boolean' }).notNull().default(false),
    /** Set while the interviewer has paused the clock. */
    pausedAt: integer('paused_at'),
  },
  (t) => [index('sessions_profile').on(t.profile, t.createdAt), index('sessions_created').on(t.createdAt)],
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
    /** Time the clock stood still (the interviewer paused it); it moves the deadline. */
    pausedMs: integer('paused_ms').notNull().default(0),
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
    /** answer: the grade the candidate got. regrade: a later grade with today's rubrics, kept beside it. */
    origin: text('origin', { enum: ['answer', 'regrade'] }).notNull().default('answer'),
  },
  (t) => [index('grades_status').on(t.status), index('grades_turn').on(t.turnId)],
);

/** What the candidate's browser reported while answering: large pastes, leaving the tab. Interviewers only. */
export const signals = sqliteTable(
  'signals',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id),
    turnId: text('turn_id').references(() => turns.id),
    kind: text('kind', { enum: ['paste', 'blur', 'focus'] }).notNull(),
    /** For a paste: how many characters. */
    chars: integer('chars'),
    at: integer('at').notNull(),
  },
  (t) => [index('signals_session').on(t.sessionId, t.at)],
);

/** A staff member's private note on a turn. */
export const notes = sqliteTable(
  'notes',
  {
    id: text('id').primaryKey(),
    turnId: text('turn_id')
      .notNull()
      .references(() => turns.id),
    authorId: text('author_id')
      .notNull()
      .references(() => users.id),
    text: text('text').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('notes_turn').on(t.turnId)],
);

/**
 * A human changing a grade: one key point's status, or the total. Rows are only ever added, so
 * the record keeps the AI grade, every human change, who made it, when and why.
 */
export const overrides = sqliteTable(
  'overrides',
  {
    id: text('id').primaryKey(),
    turnId: text('turn_id')
      .notNull()
      .references(() => turns.id),
    gradeId: text('grade_id')
      .notNull()
      .references(() => grades.id),
    authorId: text('author_id')
      .notNull()
      .references(() => users.id),
    /** The key point changed; null when the total is. */
    keyPointId: text('key_point_id'),
    status: text('status', { enum: ['met', 'partial', 'missed'] }),
    score: real('score'),
    /** What it was before this change (status or score), as text. */
    previous: text('previous'),
    reason: text('reason').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('overrides_turn').on(t.turnId, t.createdAt)],
);
