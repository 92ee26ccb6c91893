import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkProse } from '../../src/grading/checks.ts';
import { RubricSchema } from '../../src/rubrics/schema.ts';

const rubric = RubricSchema.parse(JSON.parse(readFileSync(new URL('../fixtures/rubrics/q_22712696.json', import.meta.url), 'utf8')));
const question = '如何实现一个分布式锁？';
const grade = (answer: string) => checkProse({ answer, question, rubric });

const STRONG =
  '用 Redis 加锁时用一条命令 SET lock_key token NX PX 30000，这样设置值和过期时间是原子的。' +
  '锁的值是每个客户端自己的随机 token，释放时用 Lua 脚本先比较 token 再删除，避免误删别人的锁。' +
  '锁必须设置过期时间，否则持有者崩溃后锁永远不会释放。' +
  '也可以用 ZooKeeper 的临时顺序节点，序号最小的获得锁，会话断开时节点自动删除。';

describe('key-point coverage', () => {
  it('credits a strong answer with every key point, quoting the sentence that makes it', () => {
    const r = grade(STRONG);
    expect(r.keyPoints.map((k) => [k.id, k.status])).toEqual([
      ['atomic-set', 'met'],
      ['owner-token', 'met'],
      ['expiry', 'met'],
      ['zookeeper', 'met'],
    ]);
    for (const k of r.keyPoints) expect(STRONG).toContain(k.evidence);
    expect(r.score).toBeGreaterThanOrEqual(8);
    expect(r.flags).toEqual([]);
  });

  it('credits an English answer against Chinese phrasings through the glossary', () => {
    const r = grade(
      'Acquire the lock with a single atomic command, SET key token NX PX 30000, so the value and its expiration are set together. ' +
        'The value is a random token owned by the client; release compares the token and deletes the key in one Lua script, so a client never deletes someone else\'s lock. ' +
        'With ZooKeeper, each client creates an ephemeral sequential node and the smallest one holds the lock; the node disappears when the session disconnects.',
    );
    expect(r.keyPoints.filter((k) => k.status === 'met').map((k) => k.id)).toEqual(expect.arrayContaining(['atomic-set', 'owner-token', 'zookeeper']));
    expect(r.score).toBeGreaterThanOrEqual(6);
  });

  it('gives half a point for a point named in an explaining sentence without its support words', () => {
    const r = grade('我会用 ZooKeeper 的临时节点来做这个锁，因为它是常见的做法。Redis 也可以，用 SET NX 命令来加锁就行。');
    const zk = r.keyPoints.find((k) => k.id === 'zookeeper')!;
    expect(zk.status).toBe('partial');
    expect(zk.credit).toBe(0.5);
  });

  it('does not credit a bare list of buzzwords', () => {
    const r = grade('SET NX PX、token、Lua、过期时间、临时顺序节点、Redlock');
    expect(r.keyPoints.every((k) => k.credit === 0)).toBe(true);
    expect(r.flags).toContain('buzzwords');
    expect(r.score).toBeLessThanOrEqual(2);
  });

  it('scores a partial answer between the two', () => {
    const partial = grade('用 Redis 的 SET key value NX PX 30000 加锁，一条命令同时设置值和过期时间，是原子的，持有者崩溃后锁也会过期释放。');
    expect(partial.score).toBeGreaterThan(grade('SET NX PX、token、Lua').score);
    expect(partial.score).toBeLessThan(grade(STRONG).score);
  });
});

describe('answers that score zero', () => {
  it.each([
    ['empty', ''],
    ['white space', '  \n\t '],
    ['punctuation', '。。。？'],
    ['不知道', '不知道'],
    ['不会', '我不会。'],
    ["I don't know", "I don't know."],
    ['a restatement of the question', '如何实现一个分布式锁'],
  ])('%s', (_what, answer) => {
    const r = grade(answer);
    expect(r.score).toBe(0);
    expect(r.keyPoints.every((k) => k.status === 'missed')).toBe(true);
  });

  it('an off-topic answer scores near zero', () => {
    const r = grade('番茄炒蛋要先把鸡蛋炒到半熟盛出，再炒番茄出汁，最后把鸡蛋倒回去翻炒均匀，加一点糖和盐。');
    expect(r.score).toBeLessThanOrEqual(1);
    expect(r.flags).toContain('off_topic');
  });
});

describe('misconceptions', () => {
  it('lower the score when stated', () => {
    const right = grade(STRONG);
    const wrong = grade(`${STRONG} 其实先setnx再expire也一样安全。`);
    expect(wrong.misconceptions.map((m) => m.id)).toEqual(['setnx-then-expire']);
    expect(wrong.score).toBeLessThan(right.score);
  });

  it('are not held against an answer that denies them', () => {
    const r = grade(`${STRONG} 注意不能先setnx再expire，两条命令之间崩溃会留下永不过期的锁。`);
    expect(r.misconceptions).toEqual([]);
  });
});

describe('negation and lists (found while curating rubrics)', () => {
  const mq = RubricSchema.parse({
    question_id: 'q_f8800435',
    status: 'curated',
    model_answer: '任务要持久化、手动确认、超时重投，因此至少一次投递，任务要幂等。',
    key_points: [
      { id: 'ack', point: '处理完再手动确认', weight: 1, phrasings: { zh: ['手动确认'], en: ['manual ack'] }, support: { zh: ['丢任务', '重新投递'], en: ['redeliver'] } },
      { id: 'drill', point: '定期故障演练', weight: 1, phrasings: { zh: ['故障演练'], en: ['drill'] } },
    ],
    misconceptions: [
      { id: 'auto-ack', claim: '自动确认不会丢任务', phrasings: { zh: ['不会丢任务'], en: [] }, penalty: 1, correction: '自动确认在处理前就确认了，worker 崩溃会丢任务' },
      { id: 'exactly-once', claim: '能保证只执行一次', phrasings: { zh: ['保证只执行一次'], en: ['exactly once'] }, penalty: 1, correction: '只能做到至少一次，靠幂等去重' },
    ],
  });
  const run = (answer: string) => checkProse({ answer, question: '如何实现一个分布式任务队列？', rubric: mq });

  it('finds a misconception whatever the spacing, and a negative phrase is not its own negation', () => {
    expect(run('消费者设置 auto_ack=True 自动确认，这样也不会丢任务。').misconceptions.map((m) => m.id)).toEqual(['auto-ack']);
  });

  it('reads 无法 as a negation', () => {
    expect(run('超时未确认的任务会重新投递给其他 worker，这样无法保证只执行一次，所以任务必须幂等。').misconceptions).toEqual([]);
  });

  it('does not take a sentence with several clauses for a list', () => {
    const r = run('更大范围上还要多可用区部署，做定期备份，核心链路准备降级和熔断方案，并且定期做故障演练，确认切换真的能生效。');
    expect(r.keyPoints.find((k) => k.id === 'drill')!.credit).toBe(1);
  });

  it('does not count a denied support word as an explanation', () => {
    const r = run('worker 处理完以后再手动确认，这样发布订阅不会丢任务。');
    expect(r.keyPoints.find((k) => k.id === 'ack')!.status).toBe('partial');
  });
});
