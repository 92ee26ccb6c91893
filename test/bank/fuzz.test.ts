// Fuzzing the document parser: whatever a document holds, the bank build must not throw (a
// document it cannot read is a DocumentError naming the file), must finish in time linear in the
// input, and must give well-formed units: non-empty titles and prompts, lines inside the file,
// string warnings.
//
// Seeded and bounded. A failure prints the seed; replay it with
//   FUZZ_SEED=<seed> npx vitest run test/bank/fuzz.test.ts
// and search longer with FUZZ_RUNS=5000 (CI runs the default, well under 20 s). CI uses a fixed
// seed, so a change is never failed by inputs it did not cause; elsewhere each run draws a new one.
//
// The parser runs in a worker (parse-worker.ts) so that a hang is reported, not waited on.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { BankSchema, type DocumentInput } from '../../src/bank/bank.ts';
import { MAX_TITLE, type Parsed, type Unit, type Warning } from '../../src/bank/parse.ts';
import type { Job, Reply, Work } from './parse-worker.ts';
import { SOURCES_DIR } from '../helpers/sources.ts';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) >>> 0 : process.env.CI ? 20261123 : (Date.now() ^ (process.pid << 16)) >>> 0;
const RUNS = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : 120;
const REPLAY = `FUZZ_SEED=${SEED}`;

// The real documents, read where they are kept; questions/sources/ holds the same bytes when
// the checkout stands alone (CI).
const SEEDS_DIR = [fileURLToPath(new URL('../../../shared/seeds/', import.meta.url)), SOURCES_DIR].find((d) => existsSync(d))!;

// ---------------------------------------------------------------------------------------------
// A small seeded PRNG (mulberry32) and helpers.

type Rng = ReturnType<typeof rng>;

function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    between: (lo: number, hi: number) => lo + int(hi - lo + 1),
    chance: (p: number) => next() < p,
    pick: <T>(xs: readonly T[]): T => xs[int(xs.length)]!,
  };
}

/** Every input gets its own generator, so input #i is the same whatever ran before it. */
const rngFor = (stream: string, i: number) => rng(SEED ^ Math.imul(hashString(stream) + i, 0x9e3779b1));

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Random markdown from the constructs the documents use.

const WORDS = [
  '分布式', '一致性', '哈希', '分布式锁', '如何', '实现', '什么是', '区别', '为什么', '数据库', '索引', '事务',
  '区块链', '智能合约', '开源', '装饰器', '生成器', '协程', '负载均衡', '缓存', '消息队列', '的', '和', '是',
  '有哪些', '怎么', '请解释', '设计', '系统', '有以下几种', '如下', '那么', '例如', 'TCP', 'HTTP', 'Redis',
  'Kafka', 'Python', 'RabbitMQ', 'the', 'lock', 'cache', '`etcd`', '**重点**', '[链接](http://a.b/c)',
  '![图](http://a.b/c.png)', '<br>', '2PC', 'CAP', '1.', '12、', '(3)', '一、',
];
const PUNCT = ['？', '：', '，', '。', '、', '；', '！', '（', '）', '【', '】', '「', '」', '“', '”', '……', '——', '．', '　', '?', ':', '.'];
const CODE = [
  'def f(x):', '    return x + 1', 'print(f(1))', 'import os', 'from a import b', 'class A:', 'class B(A):',
  'function g() {', '  console.log(1);', 'const x = 1;', '}', 'SELECT * FROM t WHERE id = 1;', 'ZADD key 1 a',
  '1) "user1"', '# 注释', '// comment', 'x = 1', 'func main() {', 'package main', 'pragma solidity ^0.8.0;',
  'contract C is D {', 'apiVersion: v1', 'kind: Pod', 'public static void main(String[] a) {', '#### 不是标题',
  '**答案：** 不是标签', '', '    ', '\t', '...', ']);',
];
const TAGS = ['', 'python', 'py', 'js', 'javascript', 'bash', 'shell', 'go', 'java', 'sql', 'yaml', 'text', '{.python}', 'solidity', 'c++', 'a b'];
const JUNK = ['\0', '\uD800', '\uDC00', '\uDBFF\uDFFF', '\u2028', '\u2029', '\u0085', '\uFEFF', '\u00a0', '\u3000', '\t', '\u200b', '😀', '\uFFFD', '\u0000\u0000'];

function sentence(r: Rng): string {
  let s = '';
  const n = r.between(1, 8);
  for (let i = 0; i < n; i++) {
    s += r.pick(WORDS);
    if (r.chance(0.3)) s += r.pick(PUNCT);
    if (r.chance(0.05)) s += r.pick(JUNK);
  }
  return s;
}

function numbering(r: Rng): string {
  return r.pick(['', '', `${r.between(1, 200)}. `, `${r.between(1, 99)}、`, `(${r.between(1, 9)}) `, `${r.between(1, 9)}．`, '三、', `${r.between(1000, 99999)}. `]);
}

/** One construct: a heading, a question, a label, a code block, a list, a table, … */
function block(r: Rng, out: string[]): void {
  switch (r.int(16)) {
    case 0:
    case 1:
      out.push('#'.repeat(r.between(1, 7)) + r.pick([' ', ' ', '', '\t', '  ']) + numbering(r) + (r.chance(0.9) ? sentence(r) : ''));
      break;
    case 2:
      out.push(r.pick([`**${r.between(1, 300)}. ${sentence(r)}**`, `**${r.between(1, 9)}、 ${sentence(r)}**  `, `**1. ${sentence(r)}`, `** 2 ． ${sentence(r)} **`]));
      break;
    case 3:
      out.push(`**${r.pick(['题目', '答案', '解答', '示例代码', '代码示例', '解析', '问题', '参考答案'])}${r.pick(['：', ':', ''])}**${r.pick(['：', '', ' '])}${r.chance(0.6) ? sentence(r) : ''}`);
      break;
    case 4:
    case 5: {
      const ch = r.pick(['`', '`', '~']);
      const open = ch.repeat(r.between(3, 5));
      out.push(r.pick(['', ' ', '   ']) + open + r.pick(TAGS));
      for (let i = r.between(0, 8); i > 0; i--) out.push(r.pick(CODE));
      const close = r.int(10);
      if (close < 6) out.push(open); // closed
      else if (close < 7) out.push(ch.repeat(open.length + 1)); // closed by a longer fence
      else if (close < 8) out.push(open + 'python'); // not a closing fence: an info string
      else if (close < 9) out.push(ch === '`' ? '~~~' : '```'); // the other fence character
      // else: never closed
      break;
    }
    case 6:
      for (let i = r.between(1, 5); i > 0; i--) out.push(r.pick(['    ', '\t', '        ']) + r.pick(CODE));
      break;
    case 7: {
      let depth = 0;
      for (let i = r.between(1, 6); i > 0; i--) {
        depth = Math.max(0, depth + r.between(-1, 2));
        out.push('  '.repeat(depth) + r.pick(['- ', '* ', '+ ', '1. ', '2) ']) + sentence(r));
      }
      break;
    }
    case 8:
      out.push('>'.repeat(r.between(1, 4)) + ' ' + sentence(r));
      break;
    case 9: {
      const cols = r.between(1, 4);
      const row = () => '| ' + Array.from({ length: cols }, () => sentence(r)).join(' | ') + ' |';
      out.push(row(), '|' + '---|'.repeat(cols));
      for (let i = r.between(0, 3); i > 0; i--) out.push(row());
      break;
    }
    case 10:
      out.push(r.pick(['---', '***', '___', '- - -', '* * *', '-----------', '--']));
      break;
    case 11:
      out.push(sentence(r) + r.pick(['？', '?', '吗？', '']));
      break;
    case 12:
      out.push(r.pick(['![img](http://x/y.png)', '<br>', '<br/>', '[a](b)', '![', '](', '[[[', '<!-- c -->', '$$x$$']));
      break;
    case 13:
      out.push(Array.from({ length: r.between(1, 6) }, () => r.pick(JUNK)).join('') + sentence(r));
      break;
    default:
      out.push(r.chance(0.5) ? '' : sentence(r) + r.pick(PUNCT));
  }
  if (r.chance(0.6)) out.push('');
}

function randomMarkdown(r: Rng, blocks = r.between(1, 60)): string {
  const out: string[] = [];
  if (r.chance(0.1)) out.push('---', 'title: x', ...(r.chance(0.7) ? ['---'] : []));
  for (let i = 0; i < blocks; i++) block(r, out);
  const eol = r.pick(['\n', '\n', '\r\n', '\r', 'mixed']);
  const text = eol === 'mixed' ? out.map((l) => l + r.pick(['\n', '\r\n', '\r'])).join('') : out.join(eol);
  return (r.chance(0.1) ? '\uFEFF' : '') + text + (r.chance(0.5) ? '\n' : '');
}

// ---------------------------------------------------------------------------------------------
// Random bytes: uniform noise, markdown bytes with invalid UTF-8 mixed in, valid UTF-8 of random
// code points (surrogates written the way a broken encoder does).

function randomBytes(r: Rng): Uint8Array {
  const n = r.between(0, 4000);
  const out: number[] = [];
  const mode = r.int(3);
  const md = [...Buffer.from('#*`~->|.:1 \n\r\t[]()!_')];
  while (out.length < n) {
    if (mode === 0) out.push(r.int(256));
    else if (mode === 1) out.push(r.chance(0.9) ? r.pick(md) : r.int(256));
    else {
      const cp = r.pick([r.int(0x80), r.int(0x800), 0x4e00 + r.int(0x5000), 0xd800 + r.int(0x800), r.int(0x110000)]);
      if (cp >= 0xd800 && cp < 0xe000) out.push(0xed, 0xa0 + ((cp >> 6) & 0x1f), 0x80 | (cp & 0x3f));
      else out.push(...Buffer.from(String.fromCodePoint(cp)));
    }
  }
  return Uint8Array.from(out);
}

// ---------------------------------------------------------------------------------------------
// Mutations of the real documents.

const realDocs = () =>
  readdirSync(SEEDS_DIR)
    .filter((n) => !n.startsWith('.'))
    .sort()
    .map((name) => ({ name, bytes: readFileSync(join(SEEDS_DIR, name)) }));

function mutate(r: Rng, docs: Array<{ name: string; bytes: Buffer }>): { how: string; bytes: Buffer } {
  const base = r.pick(docs);
  const b = base.bytes;
  const lines = () => b.toString('utf8').split('\n');
  switch (r.int(6)) {
    case 0: {
      const at = r.int(b.length + 1); // may cut a character in half
      return { how: `${base.name} truncated at byte ${at}`, bytes: b.subarray(0, at) };
    }
    case 1: {
      const other = r.pick(docs).bytes;
      const at = r.int(b.length), from = r.int(other.length), len = r.int(20000);
      return { how: `${base.name} with ${len} bytes spliced in at byte ${at}`, bytes: Buffer.concat([b.subarray(0, at), other.subarray(from, from + len), b.subarray(at)]) };
    }
    case 2: {
      const ls = lines();
      for (let k = r.between(1, 200); k > 0; k--) {
        const i = r.int(ls.length);
        ls.splice(r.int(ls.length), 0, ...ls.slice(i, i + r.between(1, 20)));
      }
      return { how: `${base.name} with lines duplicated`, bytes: Buffer.from(ls.join('\n')) };
    }
    case 3: {
      const ls = lines();
      for (let k = r.between(1, 300); k > 0; k--) ls.splice(r.int(ls.length), r.between(1, 10));
      return { how: `${base.name} with lines deleted`, bytes: Buffer.from(ls.join('\n')) };
    }
    case 4: {
      const eol = r.pick(['\r\n', '\r']);
      return { how: `${base.name} with ${JSON.stringify(eol)} line endings`, bytes: Buffer.from(b.toString('utf8').replace(/\n/g, eol)) };
    }
    default: {
      const ls = lines();
      for (let k = r.between(1, 50); k > 0; k--) {
        const i = r.int(ls.length);
        const at = r.int(ls[i]!.length + 1);
        ls[i] = ls[i]!.slice(0, at) + r.pick(JUNK.concat(['```', '#### ', '**', '\n```python\n'])) + ls[i]!.slice(at);
      }
      return { how: `${base.name} with junk and fences inserted`, bytes: Buffer.from(ls.join('\n')) };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Running the parser in the worker, with a watchdog.

let worker: Worker | undefined;
let nextId = 0;

afterAll(async () => {
  await worker?.terminate();
});

/** A worker that loads the TypeScript sources through tsx, as `npm start` does. */
function startWorker(): Worker {
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./parse-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  // The main thread's stack (V8's default, about 1 MB), as `npm run bank:build` has: a worker's
  // default 4 MB would hide a stack overflow.
  return new Worker(bootstrap, { eval: true, resourceLimits: { stackSizeMb: 1 } });
}

/** Run a job; a job that does not answer within `limitMs` is a hang: the worker is stopped. */
function run(work: Work, limitMs: number): Promise<Reply> {
  worker ??= startWorker();
  const w = worker;
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      w.off('message', onMessage);
      w.off('error', onError);
    };
    const timer = setTimeout(() => {
      done();
      worker = undefined;
      void w.terminate();
      reject(new Error(`no answer within ${limitMs / 1000} s: the parser hangs`));
    }, limitMs);
    const onMessage = (reply: Reply) => {
      if (reply.id !== id) return;
      done();
      resolve(reply);
    };
    // The worker itself died (out of memory, say): as much a failure as an exception.
    const onError = (e: Error) => {
      done();
      worker = undefined;
      reject(e);
    };
    w.on('message', onMessage);
    w.on('error', onError);
    w.postMessage({ ...work, id } satisfies Job);
  });
}

/** Keep a failing input where it can be read and replayed. */
function keep(label: string, content: string | Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'mianshi-fuzz-'));
  const file = join(dir, 'input' + (typeof content === 'string' ? '.md' : '.bin'));
  writeFileSync(file, content);
  return `${label} (${REPLAY}; the input is in ${file})`;
}

// ---------------------------------------------------------------------------------------------
// What a well-formed result is.

const lineCount = (text: string) => text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/).length;

function unitProblems(doc: string, lines: number, units: Unit[], warnings: Warning[]): string[] {
  const problems: string[] = [];
  let previous = 0;
  for (const u of units) {
    const at = `unit at line ${u.line}`;
    if (u.doc !== doc) problems.push(`${at}: doc is ${JSON.stringify(u.doc)}`);
    if (!Number.isInteger(u.line) || u.line < 1 || u.line > lines) problems.push(`${at}: line outside 1..${lines}`);
    if (u.line <= previous) problems.push(`${at}: not after the unit before it (line ${previous})`);
    previous = u.line;
    if (typeof u.title !== 'string' || u.title.trim() === '') problems.push(`${at}: empty title`);
    if (typeof u.prompt !== 'string' || u.prompt.trim() === '') problems.push(`${at}: empty prompt`);
    if (typeof u.answer !== 'string') problems.push(`${at}: answer is not a string`);
    if (typeof u.truncated !== 'boolean') problems.push(`${at}: truncated is not a boolean`);
    for (const c of u.code) {
      if (typeof c.lang !== 'string' || c.lang === '' || typeof c.source !== 'string') problems.push(`${at}: bad code block ${JSON.stringify(c).slice(0, 80)}`);
    }
  }
  for (const w of warnings) {
    if (w.doc !== doc) problems.push(`warning doc is ${JSON.stringify(w.doc)}`);
    if (typeof w.message !== 'string' || w.message === '') problems.push(`warning at line ${w.line} has no message`);
    if (!Number.isInteger(w.line) || w.line < 1 || w.line > lines) problems.push(`warning "${w.message}" at line ${w.line}, outside 1..${lines}`);
  }
  return problems;
}

/** Parse text; return what is wrong with the outcome (nothing, for a good parser). */
async function checkParse(label: string, text: string, limitMs: number): Promise<{ ms: number; problems: string[] }> {
  const doc = 'fuzz.md';
  let reply: Reply;
  try {
    reply = await run({ op: 'parse', doc, text }, limitMs);
  } catch (e) {
    return { ms: limitMs, problems: [`${keep(label, text)}: ${(e as Error).message}`] };
  }
  if (!reply.ok) return { ms: reply.ms, problems: [`${keep(label, text)}: threw ${reply.error.stack ?? reply.error.message}`] };
  const parsed = reply.value as Parsed;
  const problems = unitProblems(doc, lineCount(text), parsed.units, parsed.warnings);
  return { ms: reply.ms, problems: problems.length ? [`${keep(label, text)}:\n  ${problems.slice(0, 5).join('\n  ')}`] : [] };
}

/**
 * Build a bank from bytes the way `bank:build` does. The only exception allowed is the build's
 * own: a DocumentError saying which file, and for bad UTF-8 which line, is wrong.
 */
async function checkBuild(label: string, docs: DocumentInput[], limitMs: number): Promise<{ ms: number; problems: string[]; units: Unit[] }> {
  let reply: Reply;
  try {
    reply = await run({ op: 'build', docs }, limitMs);
  } catch (e) {
    return { ms: limitMs, problems: [`${keep(label, docs[0]!.bytes)}: ${(e as Error).message}`], units: [] };
  }
  if (!reply.ok) return { ms: reply.ms, problems: [`${keep(label, docs[0]!.bytes)}: threw ${reply.error.stack ?? reply.error.message}`], units: [] };
  const built = reply.value as { bank: unknown; units: Unit[]; warnings: Warning[]; errors: Array<{ name: string; doc: string; message: string }> };
  const problems: string[] = [];
  const linesOf = new Map(docs.map((d) => [d.name, lineCount(Buffer.from(d.bytes).toString('utf8'))]));
  for (const e of built.errors) {
    if (e.name !== 'DocumentError' || !e.message.startsWith(`${e.doc}: `) || !linesOf.has(e.doc)) problems.push(`error does not name its file: ${e.message}`);
    const line = /line (\d+)/.exec(e.message);
    if (/not valid UTF-8/.test(e.message) && (!line || Number(line[1]) > linesOf.get(e.doc)!)) problems.push(`bad UTF-8 error without a line in the file: ${e.message}`);
  }
  for (const [doc, lines] of linesOf) {
    problems.push(...unitProblems(doc, lines, built.units.filter((u) => u.doc === doc), built.warnings.filter((w) => w.doc === doc)));
  }
  const schema = BankSchema.safeParse(built.bank);
  if (!schema.success) problems.push(`bank.json would not validate: ${schema.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return {
    ms: reply.ms,
    problems: problems.length ? [`${keep(label, docs[0]!.bytes)}:\n  ${problems.slice(0, 5).join('\n  ')}`] : [],
    units: built.units,
  };
}

// Small inputs: generous, the worst seen is a few ms.
const SMALL_LIMIT_MS = 1000;
// The watchdog: past this, the input hangs the parser.
const HANG_MS = 15_000;

// ---------------------------------------------------------------------------------------------

describe(`parser fuzz (${REPLAY}, FUZZ_RUNS=${RUNS})`, () => {
  it('random markdown: no exception, in time, well-formed units', { timeout: 60_000 }, async () => {
    const problems: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const text = randomMarkdown(rngFor('markdown', i));
      const { ms, problems: p } = await checkParse(`random markdown #${i}`, text, HANG_MS);
      problems.push(...p);
      if (ms > SMALL_LIMIT_MS) problems.push(`${keep(`random markdown #${i}`, text)}: took ${Math.round(ms)} ms`);
    }
    expect(problems).toEqual([]);
  });

  it('random bytes, built as a document and decoded as UTF-8 and latin1', { timeout: 60_000 }, async () => {
    const problems: string[] = [];
    for (let i = 0; i < Math.ceil(RUNS / 2); i++) {
      const bytes = randomBytes(rngFor('bytes', i));
      const label = `random bytes #${i}`;
      problems.push(...(await checkBuild(label, [{ name: 'fuzz.md', bytes }], HANG_MS)).problems);
      for (const [how, text] of [['utf-8', new TextDecoder('utf-8').decode(bytes)], ['latin1', Buffer.from(bytes).toString('latin1')]] as const) {
        const { ms, problems: p } = await checkParse(`${label} as ${how}`, text, HANG_MS);
        problems.push(...p);
        if (ms > SMALL_LIMIT_MS) problems.push(`${label} as ${how}: took ${Math.round(ms)} ms (${REPLAY})`);
      }
    }
    expect(problems).toEqual([]);
  });

  it(`mutations of the real documents in ${SEEDS_DIR.includes('shared') ? '../shared/seeds' : 'questions/sources'}`, { timeout: 60_000 }, async () => {
    const docs = realDocs();
    expect(docs.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (let i = 0; i < Math.ceil(RUNS / 4); i++) {
      const r = rngFor('mutation', i);
      const { how, bytes } = mutate(r, docs);
      const label = `mutation #${i}: ${how}`;
      const { ms, problems: p } = await checkParse(label, bytes.toString('utf8'), HANG_MS);
      problems.push(...p);
      if (ms > SMALL_LIMIT_MS) problems.push(`${label}: took ${Math.round(ms)} ms (${REPLAY})`);
      // Every few, the whole build: decode, parse, dedup and merge with the other documents.
      if (i % 8 === 0) {
        const others = docs.filter(() => r.chance(0.5)).map((d) => ({ name: `other-${d.name}`, bytes: d.bytes }));
        problems.push(...(await checkBuild(label, [{ name: 'fuzz.md', bytes }, ...others], HANG_MS)).problems);
      }
    }
    expect(problems).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Huge and deep inputs. Each is made at 100 K and at 1 M characters and built into a bank (decode,
// parse, dedup, classify) in the same run: the 1 M one must finish within 2 s and take at most
// ~25 times as long as the 100 K one (linear is 10, quadratic 100). `broke` says what the input
// did before it was fixed; those are the regression tests for the fixes.

interface Huge {
  input: string;
  make: (size: number) => string;
  broke?: string;
  /** The bound for the 1 M one; 2 s unless it has a million lines. */
  limitMs?: number;
  /** What the parser must still read from the 100 K one. */
  check?: (units: Unit[]) => void;
}

const repeatTo = (unit: string, size: number) => unit.repeat(Math.max(1, Math.floor(size / unit.length)));
const ladder = (size: number, step: (depth: number) => string) => {
  const out: string[] = [];
  let total = 0;
  for (let d = 1; total < size; d++) {
    const line = step(d);
    out.push(line);
    total += line.length + 1;
  }
  return out.join('\n');
};

/** Random markdown of about `size` characters, without NUL (which makes a file binary). */
function randomDocument(size: number): string {
  const r = rng(SEED);
  let s = '';
  while (s.length < size) s += randomMarkdown(r, 200).replaceAll('\0', '') + '\n';
  return s;
}

// A million lines cost about half a second on their own (a few patterns per line); those
// inputs get more room. The linear check is the one that catches a quadratic step.
const MANY_LINES_MS = 5000;

const HUGE: Huge[] = [
  { input: 'one line of latin text, no newline', make: (n) => 'a'.repeat(n) },
  { input: 'one line of Chinese, no newline', make: (n) => '测'.repeat(n) },
  { input: 'a random document of that size', make: (n) => randomDocument(n) },
  { input: 'the same document with CR line endings', make: (n) => randomDocument(n).replace(/\r?\n/g, '\r') },
  {
    input: 'a line of spaces between two letters',
    make: (n) => '#### 1. 什么是锁？\n\nx' + ' '.repeat(n) + 'y\n',
    broke: 'trimming trailing white space with /\\s+$/ retried the whole run of spaces from every space: quadratic',
    check: (units) => expect(units[0]!.answer).toMatch(/^x +y$/),
  },
  {
    input: 'a heading with a run of spaces inside',
    make: (n) => '## 1. 什么是' + ' '.repeat(n) + '锁？\n\n答。\n',
    broke: 'HEADING: the lazy title (.*?) before [ \\t]*$ rescanned the spaces at every step',
    check: (units) => expect(units.map((u) => u.title)).toEqual(['什么是 锁？']),
  },
  {
    input: 'a bold numbered title with a run of spaces inside',
    make: (n) => '**1. 什么是' + ' '.repeat(n) + '锁？**\n\n答。\n',
    broke: 'BOLD_TITLE: the lazy (.+?)\\s*\\*\\* rescanned the spaces at every step',
    check: (units) => expect(units.map((u) => u.title)).toEqual(['什么是 锁？']),
  },
  {
    input: 'a label followed by a run of spaces',
    make: (n) => '#### 1. 什么是锁？\n\n**答案' + ' '.repeat(n) + 'x\n',
    broke: 'LABEL: two adjacent \\s* around an optional colon split the spaces every possible way',
  },
  {
    input: 'a line of [ with no ]',
    make: (n) => '#### 1. 什么是锁？\n\n' + '['.repeat(n) + '\n',
    broke: 'the link pattern \\[[^\\]]*\\] scanned to the end of the line from every [',
  },
  {
    input: 'a heading of ![ repeated',
    make: (n) => '#### 1. ' + repeatTo('![', n) + '\n\n答。\n',
    broke: 'the image pattern scanned to the end of the line from every ![',
  },
  {
    input: 'a line of [a]( repeated, never closed',
    make: (n) => '#### 1. 什么是锁？\n\n' + repeatTo('[a](', n) + '\n',
    broke: 'the link target [^)]* scanned to the end of the line from every ](',
    check: (units) => expect(units).toHaveLength(1),
  },
  {
    input: 'a fenced block of blank lines',
    limitMs: MANY_LINES_MS,
    make: (n) => '#### 1. 什么是锁？\n\n```\nx = 1\n' + '\n'.repeat(n) + 'y = 2\n```\n',
    broke: 'detectLang: ^\\s* under /m crossed the blank lines from every line start; and /\\s+$/ on the code again',
    check: (units) => expect(units[0]!.code).toHaveLength(1),
  },
  {
    input: 'indented code with a long run of blank lines',
    limitMs: MANY_LINES_MS,
    make: (n) => '#### 1. 什么是锁？\n\n说明：\n\n    x = 1\n' + '\n'.repeat(n) + '    y = 2\n',
    broke: 'splitCode copied the rest of the answer (lines.slice) for every blank line inside indented code',
    // One block, its blank lines kept (100 K of them, plus the line break after x = 1).
    check: (units) => expect(units[0]!.code.map((c) => c.source)).toEqual(['x = 1' + '\n'.repeat(100_001) + 'y = 2']),
  },
  {
    input: 'a code block of many short lines',
    make: (n) => '#### 1. 什么是锁？\n\n```python\n' + repeatTo('  x = 1\n', n) + '```\n',
    broke: 'dedent: Math.min(...indents) over every line overflowed the call stack (RangeError) past ~120k lines',
    check: (units) => expect(units[0]!.code[0]!.source.startsWith('x = 1\n')).toBe(true),
  },
  {
    input: 'a Go-looking code line of ) after func f(',
    make: (n) => '#### 1. 什么是锁？\n\n```\nfunc f(' + ')'.repeat(n) + '\n```\n',
    broke: 'detectLang (go): \\(.*\\)\\s*.*\\{ tried every ) against every later position',
  },
  {
    input: 'a Python-looking code line of )-> after def f(',
    make: (n) => '#### 1. 什么是锁？\n\n```\ndef f(' + repeatTo(')->', n) + '\n```\n',
    broke: 'detectLang (python): the return annotation [^:]+ scanned to the end for every )',
  },
  {
    input: 'many plain-line questions, each with an answer',
    limitMs: MANY_LINES_MS,
    make: (n) => '#### 1. 什么是锁？\n\n开始。\n\n' + repeatTo('什么是X？\n\n答。\n\n', n),
    broke: 'findPlainQuestions copied the rest of the section for every question line it considered',
  },
  {
    input: 'many numbered questions',
    limitMs: MANY_LINES_MS,
    make: (n) => repeatTo('#### 1. 什么是分布式锁？\n\n**答案：** 一种互斥机制。\n\n', n),
  },
  {
    input: 'a heading that is 1 M characters of 有1种',
    make: (n) => '#### ' + repeatTo('有1种', n) + '\n\n答。\n',
    broke: 'toQuestion: (.*有)…([^：:]*)[：:] tried every 有 against the rest of the title; now titles are cut to MAX_TITLE',
    check: (units) => expect(units[0]!.title).toBe('有1种'.repeat(MAX_TITLE).slice(0, MAX_TITLE)),
  },
  {
    input: 'a numbered question whose 题目 is 1 M characters of 如何在',
    make: (n) => '#### 1. 什么是锁？\n\n**题目：** ' + repeatTo('如何在', n) + '\n\n答。\n',
    broke: 'classify: (在.+?中)? sought a 中 to the end of the prompt after every 如何',
  },
  {
    input: 'a heading that is A和B都… then 1 MB of text',
    make: (n) => '#### A和B都，' + repeatTo('区别x', n) + '\n\n答。\n',
  },
  {
    input: 'blockquotes nested one level deeper per line',
    make: (n) => '#### 1. 什么是锁？\n\n' + ladder(n, (d) => '>'.repeat(d) + ' 引用'),
  },
  {
    input: 'lists nested one level deeper per line',
    make: (n) => '#### 1. 什么是锁？\n\n' + ladder(n, (d) => '  '.repeat(d) + '- 项'),
  },
  {
    input: 'one list item nested half a million levels deep (1 M spaces of indentation)',
    make: (n) => '#### 1. 什么是锁？\n\n- 项\n' + ' '.repeat(n) + '- 项\n',
    broke: 'the /\\s+$/ trim rescanned the indentation from every one of its spaces',
  },
  {
    input: 'one line nested hundreds of thousands of levels (> - > - …)',
    make: (n) => '#### 1. 什么是锁？\n\n' + repeatTo('> - ', n) + '```\ncode\n',
  },
  {
    input: 'fences that never balance: ``` lines only',
    limitMs: MANY_LINES_MS,
    make: (n) => '#### 1. 什么是锁？\n\n' + repeatTo('```\n#### 2. 题？\n', n),
  },
  {
    input: 'a four-backtick fence holding ``` lines, never closed',
    make: (n) => '#### 1. 什么是锁？\n\n````python\n' + repeatTo('```\nprint(1)\n', n),
  },
  {
    input: 'an unterminated ~~~ fence over headings',
    make: (n) => '#### 1. 什么是锁？\n\n~~~\n' + repeatTo('#### 2. 题？\n```\n', n),
  },
];

describe('parser: huge and deep inputs stay linear', () => {
  for (const h of HUGE) {
    it(h.input + (h.broke ? ` (broke: ${h.broke})` : ''), { timeout: 90_000 }, async () => {
      // Best of two, so a garbage collection in one run does not decide.
      const time = async (label: string, text: string) => {
        let best = Infinity;
        let units: Unit[] = [];
        for (let k = 0; k < 2; k++) {
          const result = await checkBuild(label, [{ name: 'fuzz.md', bytes: Buffer.from(text) }], HANG_MS);
          expect(result.problems).toEqual([]);
          best = Math.min(best, result.ms);
          units = result.units;
        }
        return { ms: best, units };
      };
      const small = await time(`${h.input} (100 K)`, h.make(100_000));
      const big = await time(`${h.input} (1 M)`, h.make(1_000_000));
      expect(big.ms, `1 M took ${big.ms.toFixed(0)} ms`).toBeLessThan(h.limitMs ?? 2000);
      expect(big.ms, `1 M took ${big.ms.toFixed(0)} ms, 100 K ${small.ms.toFixed(1)} ms: not linear`).toBeLessThan(25 * small.ms + 50);
      h.check?.(small.units);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Inputs the random fuzz found, kept as they were found (shortened to what matters).

describe('parser: inputs the fuzz found', () => {
  it.each([
    ['a 题目 label holding only <br> (random markdown #2472, FUZZ_SEED=7)', '######  \n\n| a | b |\n|---|---|\n\n**题目:** \n\n<br>'],
    ['a bold title followed by **问题:**<br> (random markdown #1023, FUZZ_SEED=8)', '** 2 ． 智能合约、 **\n**问题:**<br>\n\n####  1．\n'],
    ['a 题目 label holding only an image', '#### 1. 什么是锁？\n\n**题目：** ![图](http://a.b/c.png)\n\n**答案：** 互斥。'],
  ])('%s: the prompt falls back to the title, never empty', async (name, text) => {
    const { problems } = await checkParse(name, text, HANG_MS);
    expect(problems).toEqual([]);
    const reply = await run({ op: 'parse', doc: 'fuzz.md', text }, HANG_MS);
    const { units } = reply.ok ? (reply.value as Parsed) : { units: [] };
    expect(units.length).toBeGreaterThan(0);
    for (const u of units) expect(u.prompt).not.toBe('');
  });
});
