// npm run bench:grading
//
// The grading figures, through the product's own path (batch resolution, draft rubric from the
// inline reference, gradeAnswer in deterministic mode, calibration), measured in one run:
// 1. Mohler short-answer data (read from /work/shared/eval/mohler or $MOHLER_DIR, never copied):
//    Pearson r of the reference-only grade against the human mean (target >= 0.55), and with
//    human-graded examples under 5-fold cross-validation within each question (target >= 0.70);
//    RMSE after a linear fit of each.
// 2. Speed: one prose answer graded in-process (median <= 5 ms); a code answer with 10 tests
//    (median <= 100 ms and <= 3x a bare python3 run of the same harness, measured alternately).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { BankStore } from '../src/bank/store.ts';
import { QuestionResolver, statsFor, type ExampleLine } from '../src/grading/batch.ts';
import { crossValidate } from '../src/grading/calibrate.ts';
import { gradeAnswer } from '../src/grading/grade.ts';
import { linearFit, pearson, rmse } from '../src/grading/similarity.ts';
import { RubricSchema } from '../src/rubrics/schema.ts';
import { createSandbox } from '../src/sandbox/run.ts';
import { loadMohler } from './mohler.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fittedRmse = (pred: number[], gold: number[]) => {
  const { intercept, slope } = linearFit(pred, gold);
  return rmse(pred.map((p) => intercept + slope * p), gold);
};
let failed = false;
const target = (ok: boolean) => (ok ? 'ok' : ((failed = true), 'MISSED'));

const bank = BankStore.load('questions/bank.json');
// No bank question matches Mohler's: every answer is graded from its inline reference.
const resolver = new QuestionResolver(bank, new Map());

async function mohler() {
  const data = loadMohler();
  if (!data) {
    console.log('Mohler data not found (set MOHLER_DIR): skipped');
    return;
  }
  const byId = new Map(data.questions.map((q) => [q.id, q]));
  const groups = new Map<string, { question: string; reference: string; examples: ExampleLine[] }>();
  for (const a of data.answers) {
    const q = byId.get(a.questionId)!;
    const g = groups.get(q.id) ?? { question: q.question, reference: q.reference, examples: [] };
    g.examples.push({ question: q.question, reference: q.reference, answer: a.answer, score: a.score, max: 5 });
    groups.set(q.id, g);
  }
  const stats = statsFor(bank, data.questions.map((q) => ({ question: q.question, reference: q.reference })));
  const started = performance.now();
  const rows = await crossValidate(groups, resolver, 5, stats);
  const human = rows.map((r) => r.human / 2); // back to Mohler's 0-5
  const ref = rows.map((r) => r.reference);
  const cal = rows.map((r) => r.calibrated);
  const rRef = pearson(ref, human);
  const rCal = pearson(cal, human);
  console.log(`Mohler: ${rows.length} answers to ${groups.size} questions, graded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(`  reference only : r = ${rRef.toFixed(3)} (target >= 0.55: ${target(rRef >= 0.55)}), RMSE after linear fit ${fittedRmse(ref, human).toFixed(3)} on 0-5`);
  console.log(`  with examples  : r = ${rCal.toFixed(3)} (target >= 0.70: ${target(rCal >= 0.7)}), RMSE after linear fit ${fittedRmse(cal, human).toFixed(3)} on 0-5`);
  console.log('  (two human graders agree at r = 0.59; Mohler et al. 2011 best 0.518; bag-of-words cosine 0.45)');
}

async function proseSpeed() {
  const rubric = RubricSchema.parse(JSON.parse(readFileSync('test/fixtures/rubrics/q_22712696.json', 'utf8')));
  const question = { id: rubric.question_id, title: '如何实现一个分布式锁？', prompt: '如何实现一个分布式锁？', kind: 'design' as const };
  const answers = [
    '用 Redis 加锁时用一条命令 SET lock_key token NX PX 30000，这样设置值和过期时间是原子的。锁的值是每个客户端自己的随机 token，释放时用 Lua 脚本先比较 token 再删除，避免误删别人的锁。',
    'Acquire the lock with SET key token NX PX 30000 so that the value and expiry are set atomically; release it with a Lua script that compares the token before deleting.',
    '可以用 ZooKeeper 的临时顺序节点，序号最小的获得锁，其余节点监听前一个节点，会话断开时节点自动删除。',
    'Redis、ZooKeeper、etcd、SETNX',
  ];
  const stats = statsFor(bank);
  for (let i = 0; i < 50; i++) await gradeAnswer({ question, rubric, answer: answers[i % answers.length]! }, { stats }); // warm up
  const times: number[] = [];
  for (let i = 0; i < 400; i++) {
    // A new answer every time (the similarity caches answers): append the round number.
    const answer = `${answers[i % answers.length]} (${i})`;
    const t = performance.now();
    await gradeAnswer({ question, rubric, answer }, { stats });
    times.push(performance.now() - t);
  }
  const m = median(times);
  console.log(`prose answer, deterministic, in-process: median ${m.toFixed(2)} ms over 400 answers (target <= 5 ms: ${target(m <= 5)})`);
}

async function codeSpeed() {
  const source = 'def two_sum(nums, target):\n    seen = {}\n    for i, n in enumerate(nums):\n        if target - n in seen:\n            return [seen[target - n], i]\n        seen[n] = i\n';
  const nums = [3, 8, 1, 12, 5, 20, 7, 30, 2, 40];
  const tests = nums.slice(1).map((n, i) => ({ args: [nums, nums[0]! + n], expected: [0, i + 1], hidden: i > 4 }));
  tests.push({ args: [nums, 70], expected: [7, 9], hidden: true });
  const rubric = RubricSchema.parse({
    question_id: 'q_0000beef',
    status: 'curated',
    kind: 'coding',
    model_answer: '哈希表一次遍历。',
    key_points: [{ id: 'hash', point: '哈希表', weight: 1, phrasings: { zh: ['哈希表'], en: ['hash'] } }],
    coding: { language: 'python', entry: 'two_sum', signature: 'def two_sum(nums, target)', tests, reference_solution: source },
  });
  const question = { id: rubric.question_id, title: 'two sum', prompt: 'two sum', kind: 'coding' as const };
  const sandbox = createSandbox({ uidBase: 61800, slots: 1 });
  const harness = readFileSync('src/sandbox/harness.py', 'utf8');
  const payload = JSON.stringify({ source, entry: 'two_sum', outputBytes: 65536, tests: tests.map((t) => ({ args: t.args })) });
  // The baseline: the same harness and tests, run by a bare python3 with no sandbox and no checks.
  const bare = () =>
    new Promise<number>((resolve, reject) => {
      const t = performance.now();
      const child = spawn('/usr/bin/python3', ['-I', '-S', '-B', '-c', harness], { env: { PATH: '/usr/bin:/bin' }, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
      let out = '';
      (child.stdio[3] as Readable).on('data', (c: Buffer) => (out += c.toString()));
      child.on('close', () => (out.includes('"t":"done"') ? resolve(performance.now() - t) : reject(new Error(`bare harness failed: ${out}`))));
      child.stdin!.end(payload);
    });
  const bareTimes: number[] = [];
  const gradeTimes: number[] = [];
  for (let i = 0; i < 30; i++) {
    bareTimes.push(await bare());
    const t = performance.now();
    const g = await gradeAnswer({ question, rubric, answer: source }, { sandbox });
    gradeTimes.push(performance.now() - t);
    if (g.score !== 10) throw new Error(`the benchmark answer should pass: ${JSON.stringify(g.code)}`);
  }
  const b = median(bareTimes);
  const g = median(gradeTimes);
  console.log(
    `code answer, 10 tests, sandboxed (constraints checked too): median ${g.toFixed(1)} ms (target <= 100: ${target(g <= 100)}); bare python3 harness ${b.toFixed(1)} ms; ratio ${(g / b).toFixed(2)}x (target <= 3: ${target(g / b <= 3)})`,
  );

  // Capacity: code answers graded per second with the service's default two sandbox slots and
  // many answers waiting, against bare python3 runs two at a time.
  const N = 120;
  const slots = createSandbox({ uidBase: 61810, slots: 2 });
  const throughput = async (one: () => Promise<unknown>) => {
    const t = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next++ < N) await one();
    }));
    return N / ((performance.now() - t) / 1000);
  };
  let running = 0;
  const twoAtATime = async () => {
    while (running >= 2) await new Promise((r) => setTimeout(r, 1));
    running++;
    try {
      await bare();
    } finally {
      running--;
    }
  };
  const bareRate = await throughput(twoAtATime);
  const gradeRate = await throughput(() => gradeAnswer({ question, rubric, answer: source }, { sandbox: slots }));
  console.log(`code answers per second, 2 sandbox slots: ${gradeRate.toFixed(1)}/s; bare python3 two at a time: ${bareRate.toFixed(1)}/s (${((100 * gradeRate) / bareRate).toFixed(0)}%)`);
}

await mohler();
await proseSpeed();
await codeSpeed();
if (failed) process.exitCode = 1;
