import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/index.ts';
import { grades, sessions, turns } from '../../src/db/schema.ts';

const settings = { count: 5, topics: [], kinds: [], difficulty: [], secondsPerQuestion: 0 };
const snapshot = { id: 'q_1', title: 'T', prompt: 'P', kind: 'concept', topics: ['python'], difficulty: 'easy' };

describe('database', () => {
  it('is migrated from migrations/ and keeps JSON columns as values', () => {
    const db = openDatabase(':memory:');
    db.insert(sessions).values({ id: 's1', tokenHash: 'h', settings, plan: ['q_1', 'q_2'], createdAt: 1 }).run();
    db.insert(turns).values({ id: 't1', sessionId: 's1', seq: 0, questionId: 'q_1', question: snapshot, askedAt: 2 }).run();
    db.insert(grades).values({ id: 'g1', turnId: 't1', createdAt: 3, updatedAt: 3 }).run();
    const s = db.select().from(sessions).where(eq(sessions.id, 's1')).get()!;
    expect(s).toMatchObject({ mode: 'solo', status: 'active', lang: 'zh', plan: ['q_1', 'q_2'], settings });
    expect(db.select().from(turns).get()!.question).toEqual(snapshot);
    expect(db.select().from(grades).get()).toMatchObject({ status: 'pending', flags: [], attempts: 0 });
  });

  it('stores one answer per idempotency key in a session', () => {
    const db = openDatabase(':memory:');
    db.insert(sessions).values({ id: 's1', tokenHash: 'h', settings, plan: [], createdAt: 1 }).run();
    const turn = (id: string, seq: number) => ({ id, sessionId: 's1', seq, questionId: 'q_1', question: snapshot, askedAt: 1, idempotencyKey: 'k' });
    db.insert(turns).values(turn('t1', 0)).run();
    expect(() => db.insert(turns).values(turn('t2', 1)).run()).toThrow(/UNIQUE constraint failed: turns.session_id, turns.idempotency_key/);
  });

  it('refuses a turn of a session that does not exist', () => {
    const db = openDatabase(':memory:');
    expect(() => db.insert(turns).values({ id: 't1', sessionId: 'nope', seq: 0, questionId: 'q', question: snapshot, askedAt: 1 }).run()).toThrow(/FOREIGN KEY/);
  });

  it('creates the file and its folder, in WAL mode, and opens it again', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'mianshi-db-')), 'nested', 'mianshi.db');
    const db = openDatabase(path);
    expect(db.$client.pragma('journal_mode', { simple: true })).toBe('wal');
    db.insert(sessions).values({ id: 's1', tokenHash: 'h', settings, plan: [], createdAt: 1 }).run();
    db.$client.close();
    const again = openDatabase(path); // migrations already applied: nothing to do, data kept
    expect(again.select().from(sessions).all()).toHaveLength(1);
    again.$client.close();
  });
});
