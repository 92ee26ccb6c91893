import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BankSchema, buildBank, decodeDocument, DocumentError, MAX_DOCUMENT_BYTES, serializeBank, type DocumentInput } from '../../src/bank/bank.ts';
import { BANK_PATH, realDocuments, ROOT } from '../helpers/sources.ts';

const enc = (s: string) => new TextEncoder().encode(s);

describe('bank build', () => {
  it('is byte-identical when rebuilt from unchanged sources, and equals the committed bank.json', () => {
    const first = serializeBank(buildBank(realDocuments()).bank);
    const second = serializeBank(buildBank(realDocuments()).bank);
    expect(second).toBe(first);
    const committed = readFileSync(BANK_PATH, 'utf8');
    expect(serializeBank(buildBank(realDocuments(), { previous: BankSchema.parse(JSON.parse(committed)) }).bank)).toBe(committed);
  });

  it('writes the format other parts rely on', () => {
    const { bank } = buildBank(realDocuments());
    expect(() => BankSchema.parse(bank)).not.toThrow();
    const lock = bank.questions.find((q) => q.alt_titles.includes('如何实现一个分布式锁？') || q.title === '如何实现一个分布式锁？')!;
    expect(lock.sources).toHaveLength(21);
    expect(lock.sources).toContainEqual({ doc: '000_75e8f1775bef099b.txt', line: 131 });
    expect(lock.sources).toContainEqual({ doc: '004_9f3b583a6e7779ee.txt', line: 848 });
    expect(lock.kind).toBe('design'); // its code needs a Redis or ZooKeeper server
    // Distinct code variants survive the merge, duplicates do not.
    expect(lock.reference.code.length).toBeGreaterThan(3);
    expect(new Set(lock.reference.code.map((c) => c.source)).size).toBe(lock.reference.code.length);
    const lru = bank.questions.find((q) => q.title === '如何实现一个LRU缓存算法？')!;
    expect(lru.kind).toBe('coding');
    expect(lru.reference.code[0]!.lang).toBe('java');
    // 002 ends mid-answer; that question has five complete sources, one of which is the reference.
    const schedule = bank.questions.find((q) => q.sources.some((s) => s.doc.startsWith('002') && s.line === 710))!;
    expect(schedule.sources).toHaveLength(6);
    expect(schedule.reference.truncated).toBeUndefined();
    expect(schedule.reference.text).toMatch(/。$/);
    // A question whose only source is cut off says so.
    const cut = buildBank([{ name: 'cut.md', bytes: enc('#### 1. 什么是分布式调度系统？\n\n它负责管理一个名为 my-deployment 的 Pod 集') }]).bank;
    expect(cut.questions[0]!.reference.truncated).toBe(true);
  });

  it('keeps every existing id when a document is added', () => {
    const all = realDocuments();
    const without = buildBank(all.filter((d) => !d.name.startsWith('002'))).bank;
    const extra: DocumentInput = {
      // Sorts first and repeats questions the bank already has, in other words.
      name: '0000_new.md',
      bytes: enc('#### 1. 怎么实现分布式锁？\n\n用 etcd 的租约。\n\n#### 2. 什么是 MVCC？\n\n多版本并发控制。\n'),
    };
    const withMore = buildBank([...all, extra], { previous: without }).bank;
    const byId = new Map(withMore.questions.map((q) => [q.id, q]));
    for (const q of without.questions) {
      const same = byId.get(q.id);
      expect(same, q.title).toBeDefined();
      for (const s of q.sources) expect(same!.sources).toContainEqual(s);
    }
    expect(withMore.questions.length).toBeGreaterThan(without.questions.length);
  });

  it('keeps ids stable across rebuilds even without the previous bank when nothing sorts earlier', () => {
    const a = buildBank(realDocuments().filter((d) => d.name < '003')).bank;
    const b = buildBank(realDocuments()).bank;
    const ids = new Set(b.questions.map((q) => q.id));
    for (const q of a.questions) expect(ids.has(q.id), q.title).toBe(true);
  });
});

describe('bad documents', () => {
  const good: DocumentInput = { name: 'good.md', bytes: enc('#### 1. 什么是分布式锁？\n\n一种互斥机制。\n') };
  const cases: Array<[string, DocumentInput, RegExp]> = [
    ['not UTF-8', { name: 'latin1.md', bytes: new Uint8Array([0x23, 0x20, 0x61, 0x0a, 0x62, 0xe9, 0x74, 0xe9, 0x0a]) }, /latin1\.md: not valid UTF-8 \(first bad byte on line 2\)/],
    ['binary', { name: 'image.png', bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]) }, /image\.png: binary file \(NUL byte at offset 4\)/],
    ['empty', { name: 'empty.md', bytes: new Uint8Array() }, /empty\.md: empty file/],
    ['only white space', { name: 'blank.md', bytes: enc('  \n\n\t\n') }, /blank\.md: empty file \(only white space\)/],
    ['over 10 MB', { name: 'huge.md', bytes: new Uint8Array(MAX_DOCUMENT_BYTES + 1).fill(0x61) }, /huge\.md: too large \(10485761 bytes; the limit is 10485760 bytes, 10 MB\)/],
  ];

  it.each(cases)('%s: a clear error names the file, and the other documents still build', (_what, bad, message) => {
    expect(() => decodeDocument(bad)).toThrow(DocumentError);
    expect(() => decodeDocument(bad)).toThrow(message);
    const result = buildBank([bad, good]);
    expect(result.errors.map((e) => e.message)).toEqual([expect.stringMatching(message)]);
    expect(result.bank.questions.map((q) => q.title)).toEqual(['什么是分布式锁？']);
  });

  it('warns about a document with no questions in it', () => {
    const result = buildBank([{ name: 'notes.md', bytes: enc('# 笔记\n\n今天学习了分布式系统。\n') }]);
    expect(result.warnings).toEqual([{ doc: 'notes.md', line: 1, message: 'no questions found in this document' }]);
  });
});

describe('npm run bank:build', () => {
  it('builds a directory, reports bad files by name, writes the report, exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mianshi-bank-'));
    const sources = join(dir, 'sources');
    spawnSync('mkdir', [sources]);
    writeFileSync(join(sources, 'a.md'), '#### 1. 如何实现一个分布式锁？\n\n用 Redis。\n\n#### 2. 怎么实现分布式锁\n\n用 etcd。\n');
    writeFileSync(join(sources, 'b.md'), Buffer.from([0xff, 0xfe, 0x00, 0x41]));
    const out = join(dir, 'bank.json');
    const report = join(dir, 'report.md');
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/bank/build.ts', '--sources', sources, '--out', out, '--report', report], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('parsed 2/2: b.md'); // plain progress lines when not a terminal
    expect(run.stdout).toContain('a.md: 2');
    expect(run.stdout).toContain('Units: 2  ->  questions after dedup: 1');
    expect(run.stdout).toMatch(/Largest duplicate groups:\n\s+2 × 如何实现一个分布式锁？/);
    expect(run.stdout).toMatch(/b\.md: binary file/);
    const bank = BankSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    expect(bank.questions[0]!.sources).toEqual([
      { doc: 'a.md', line: 1 },
      { doc: 'a.md', line: 5 },
    ]);
    const md = readFileSync(report, 'utf8');
    expect(md).toContain('## 如何实现一个分布式锁？');
    expect(md).toContain('- a.md:5 — 怎么实现分布式锁');
  });
});
