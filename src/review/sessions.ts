// The list of interviews a reviewer reads: filters, full-text search over answers, flags and
// scores, one page at a time. Scores and flags are aggregated in SQL so that listing sessions never
// loads a transcript; the overall score follows summaryOf (the mean over asked questions, not
// follow-ups, of the grade the candidate got, skipped or ungraded counting 0).
import { sql, type SQL } from 'drizzle-orm';
import { TOPICS, type Topic } from '../bank/classify.ts';
import type { Db } from '../db/index.ts';

/** What a session can be flagged for in the list (grade flags, plus human and browser traces). */
export const REVIEW_FLAGS = ['needs_review', 'llm_unavailable', 'llm_failed', 'sandbox_unavailable', 'overrides', 'signals'] as const;
export type ReviewFlag = (typeof REVIEW_FLAGS)[number];
const GRADE_FLAGS = ['needs_review', 'llm_unavailable', 'llm_failed', 'sandbox_unavailable'] as const;

export const MODES = ['solo', 'assisted'] as const;
export const PAGE_SIZE = 25;

export interface ReviewFilter {
  /** A substring of the candidate's name or the practice profile. */
  candidate?: string;
  topic?: Topic;
  /** YYYY-MM-DD, the server's local time, both days included. */
  from?: string;
  to?: string;
  flag?: ReviewFlag;
  mode?: (typeof MODES)[number];
  /** Words that occur in an answer. */
  q?: string;
  page: number;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const one = <T extends string>(v: string | undefined, known: readonly T[]) => ((known as readonly string[]).includes(v ?? '') ? (v as T) : undefined);

/** A filter from query parameters; unknown values are dropped rather than refused. */
export function parseFilter(query: (name: string) => string | undefined): ReviewFilter {
  const text = (name: string, max: number) => query(name)?.trim().slice(0, max) || undefined;
  const day = (name: string) => {
    const v = query(name)?.trim();
    return v && DAY.test(v) && startOfDay(v) !== undefined ? v : undefined;
  };
  const page = Math.max(1, Math.min(100_000, Math.floor(Number(query('page')) || 1)));
  return {
    candidate: text('candidate', 80),
    topic: one(query('topic'), Object.keys(TOPICS) as Topic[]),
    from: day('from'),
    to: day('to'),
    flag: one(query('flag'), REVIEW_FLAGS),
    mode: one(query('mode'), MODES),
    q: text('q', 200),
    page,
  };
}

/** The filter as query parameters (for pagination and export links); page only when asked. */
export function filterParams(f: ReviewFilter, page?: number): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of ['candidate', 'topic', 'from', 'to', 'flag', 'mode', 'q'] as const) if (f[k]) p.set(k, f[k]!);
  if (page && page > 1) p.set('page', String(page));
  return p;
}

/** Midnight of a YYYY-MM-DD day in the server's time zone, in epoch ms. */
function startOfDay(day: string): number | undefined {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const date = new Date(y, m - 1, d);
  return date.getFullYear() === y && date.getMonth() === m - 1 && date.getDate() === d ? date.getTime() : undefined;
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Answers containing `q`, as a condition on the turns alias `t`. Three characters or more use the
 * trigram index (any substring, Chinese included); shorter ones cannot, and scan with LIKE.
 */
export function answerMatches(q: string): SQL {
  if ([...q].length >= 3) return sql`t.rowid in (select rowid from answers_fts where answers_fts match ${`"${q.replace(/"/g, '""')}"`})`;
  return sql`t.answer like ${`%${likeEscape(q)}%`} escape '\\'`;
}

const gradeFlag = (flag: string) =>
  sql`exists (select 1 from turns t join grades g on g.turn_id = t.id and g.origin = 'answer', json_each(g.flags) j where t.session_id = s.id and j.value = ${flag})`;

function where(f: ReviewFilter): SQL {
  const parts: SQL[] = [sql`1`];
  if (f.candidate) {
    const like = `%${likeEscape(f.candidate)}%`;
    parts.push(sql`(s.candidate like ${like} escape '\\' or s.profile like ${like} escape '\\')`);
  }
  if (f.topic) parts.push(sql`exists (select 1 from turns t, json_each(t.question, '$.topics') j where t.session_id = s.id and j.value = ${f.topic})`);
  if (f.from) parts.push(sql`s.created_at >= ${startOfDay(f.from)!}`);
  if (f.to) parts.push(sql`s.created_at < ${startOfDay(f.to)! + 86_400_000}`);
  if (f.mode) parts.push(sql`s.mode = ${f.mode}`);
  if (f.flag === 'overrides') parts.push(sql`exists (select 1 from overrides o join turns t on o.turn_id = t.id where t.session_id = s.id)`);
  else if (f.flag === 'signals') parts.push(sql`exists (select 1 from signals x where x.session_id = s.id)`);
  else if (f.flag) parts.push(gradeFlag(f.flag));
  if (f.q) parts.push(sql`exists (select 1 from turns t where t.session_id = s.id and ${answerMatches(f.q)})`);
  return sql.join(parts, sql` and `);
}

export interface SessionListItem {
  id: string;
  candidate: string | null;
  profile: string | null;
  mode: 'solo' | 'assisted';
  status: 'active' | 'finished';
  createdAt: number;
  finishedAt: number | null;
  /** Questions asked (follow-ups not counted) and how many were answered. */
  questions: number;
  answered: number;
  /** 0..10, as the summary page computes it; null when nothing was asked. */
  overall: number | null;
  flags: ReviewFlag[];
}

interface Row {
  id: string;
  candidate: string | null;
  profile: string | null;
  mode: 'solo' | 'assisted';
  status: 'active' | 'finished';
  created_at: number;
  finished_at: number | null;
  questions: number;
  answered: number;
  overall: number | null;
  grade_flags: string | null;
  has_overrides: number;
  has_signals: number;
}

// One row per session, every figure a correlated subquery over its own turns (indexed by session).
const COLUMNS = sql`
  s.id, s.candidate, s.profile, s.mode, s.status, s.created_at, s.finished_at,
  (select count(*) from turns t where t.session_id = s.id and t.follow_up_of is null) as questions,
  (select count(*) from turns t where t.session_id = s.id and t.follow_up_of is null and t.status = 'answered') as answered,
  (select avg(coalesce((select g.score from grades g where g.turn_id = t.id and g.origin = 'answer' and g.status = 'done'
                        order by g.created_at desc limit 1), 0))
     from turns t where t.session_id = s.id and t.follow_up_of is null) as overall,
  (select group_concat(distinct j.value) from turns t join grades g on g.turn_id = t.id and g.origin = 'answer', json_each(g.flags) j
     where t.session_id = s.id and j.value in (${sql.join(
       GRADE_FLAGS.map((f) => sql`${f}`),
       sql`, `,
     )})) as grade_flags,
  exists (select 1 from overrides o join turns t on o.turn_id = t.id where t.session_id = s.id) as has_overrides,
  exists (select 1 from signals x where x.session_id = s.id) as has_signals`;

function item(r: Row): SessionListItem {
  const present = new Set((r.grade_flags ?? '').split(',').filter(Boolean));
  if (r.has_overrides) present.add('overrides');
  if (r.has_signals) present.add('signals');
  return {
    id: r.id,
    candidate: r.candidate,
    profile: r.profile,
    mode: r.mode,
    status: r.status,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    questions: r.questions,
    answered: r.answered,
    overall: r.questions ? r.overall : null,
    flags: REVIEW_FLAGS.filter((f) => present.has(f)),
  };
}

/** One page of sessions matching the filter, newest first, and how many match in all. */
export function listSessions(db: Db, f: ReviewFilter, pageSize = PAGE_SIZE): { items: SessionListItem[]; total: number } {
  const w = where(f);
  const total = db.get<{ n: number }>(sql`select count(*) as n from sessions s where ${w}`)!.n;
  const rows = db.all<Row>(sql`select ${COLUMNS} from sessions s where ${w} order by s.created_at desc, s.id limit ${pageSize} offset ${(f.page - 1) * pageSize}`);
  return { items: rows.map(item), total };
}

/** Every session matching the filter (exports), newest first, at most `limit`. */
export function allSessionIds(db: Db, f: ReviewFilter, limit: number): string[] {
  return db.all<{ id: string }>(sql`select s.id from sessions s where ${where(f)} order by s.created_at desc, s.id limit ${limit}`).map((r) => r.id);
}

/** A piece of an answer around the searched words, for the list. Plain text: the page escapes it. */
export interface Snippet {
  before: string;
  match: string;
  after: string;
}

/** The first answer in each listed session that matches `q`, cut around the match. */
export function snippets(db: Db, sessionIds: string[], q: string, around = 40): Map<string, Snippet> {
  const out = new Map<string, Snippet>();
  if (!sessionIds.length) return out;
  const rows = db.all<{ session_id: string; answer: string }>(
    sql`select t.session_id, t.answer from turns t where t.session_id in (${sql.join(
      sessionIds.map((id) => sql`${id}`),
      sql`, `,
    )}) and ${answerMatches(q)} order by t.session_id, t.seq`,
  );
  for (const r of rows) {
    if (out.has(r.session_id)) continue;
    const at = r.answer.toLowerCase().indexOf(q.toLowerCase());
    const start = Math.max(0, at - around);
    out.set(
      r.session_id,
      at < 0
        ? { before: r.answer.slice(0, around * 2), match: '', after: '' }
        : {
            before: (start > 0 ? '…' : '') + r.answer.slice(start, at),
            match: r.answer.slice(at, at + q.length),
            after: r.answer.slice(at + q.length, at + q.length + around) + (at + q.length + around < r.answer.length ? '…' : ''),
          },
    );
  }
  return out;
}

/** The same person's sessions over time (by candidate name, else profile), oldest first. */
export function progressOf(db: Db, session: { id: string; candidate: string | null; profile: string | null }, limit = 30): Array<{ id: string; createdAt: number; overall: number }> {
  const who = session.candidate !== null ? sql`s.candidate = ${session.candidate}` : session.profile !== null ? sql`s.profile = ${session.profile}` : sql`s.id = ${session.id}`;
  const rows = db.all<Row>(sql`select ${COLUMNS} from sessions s where ${who} order by s.created_at desc, s.id limit ${limit}`);
  return rows
    .filter((r) => r.questions > 0)
    .map((r) => ({ id: r.id, createdAt: r.created_at, overall: r.overall ?? 0 }))
    .reverse();
}
