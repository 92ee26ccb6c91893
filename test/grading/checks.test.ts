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

  it.each([
    ['separated', 'SET NX PX、token、Lua、过期时间、临时顺序节点、Redlock'],
    ['in a row', 'SET NX PX token Lua TTL ZooKeeper Redlock etcd'],
  ])('does not credit a bare list of buzzwords (%s)', (_how, answer) => {
    const r = grade(answer);
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

describe('more cases found while curating rubrics', () => {
  const rubric = RubricSchema.parse({
    question_id: 'q_4e525b6b',
    status: 'curated',
    model_answer: '看社区活跃度、维护频率、测试和文档、安全响应、许可证。star 数不代表质量。',
    key_points: [
      { id: 'community', point: '社区活跃度', weight: 1, phrasings: { zh: ['社区活跃', '社区管理'], en: ['community'] } },
      { id: 'identity', point: 'is 比较身份，== 比较值', weight: 1, phrasings: { zh: ['=='], en: ['=='] } },
      { id: 'tests', point: '测试覆盖', weight: 1, phrasings: { zh: ['测试覆盖', '单元测试'], en: ['unit test'] } },
    ],
    misconceptions: [
      { id: 'stars', claim: 'star 越多质量越高', phrasings: { zh: ['star越多质量越高', '质量越高'], en: [] }, penalty: 1, correction: 'star 反映热度，不反映质量' },
      { id: 'setnx', claim: '先 SETNX 再 EXPIRE 可以', phrasings: { zh: ['先setnx再expire', '再expire'], en: [] }, penalty: 1, correction: '用一条 SET NX PX' },
      { id: 'free', claim: '开源软件不能收费', phrasings: { zh: ['开源软件不能收费'], en: [] }, penalty: 1, correction: '许可证允许收费' },
    ],
  });
  const q = '如何评估一个开源项目的质量？下面的代码输出什么？\n```python\nprint(1 == 1.0)\n```';
  const run = (answer: string) => checkProse({ answer, question: q, rubric });

  it.each([
    ['a denial a few words before the claim', '不能认为 star 越多质量越高。'],
    ['a rejection after the claim', '先 SETNX 再 EXPIRE 是错的，两步之间崩溃锁就永不过期。'],
    ['a claim attributed to others', '很多人以为开源软件不能收费，其实许可证允许商用。'],
    ['overlapping phrasings, the longer one denied', '不能先 SETNX 再 EXPIRE，要用一条命令。'],
  ])('%s is no misconception', (_what, answer) => {
    expect(run(answer).misconceptions).toEqual([]);
  });

  it('still finds the misconception when stated', () => {
    expect(run('我觉得 star 越多质量越高。').misconceptions.map((m) => m.id)).toEqual(['stars']);
  });

  it('matches a code-like phrasing literally, not in every sentence', () => {
    const r = run('社区活跃度很重要，要看 issue 的响应速度。');
    expect(r.keyPoints.find((k) => k.id === 'identity')!.status).toBe('missed');
    const eq = run('用 == 比较的是值，is 比较的是是不是同一个对象。');
    expect(eq.keyPoints.find((k) => k.id === 'identity')!.status).toBe('met');
  });

  it('does not take an answer that gives the output of code in the question for a restatement', () => {
    expect(run('输出 True，因为 == 比较值，1 和 1.0 相等。').score).toBeGreaterThan(0);
  });

  it('reads terse clauses as an answer, not as off-topic buzzwords', () => {
    const r = run('做好社区管理，明确愿景和目标，定期更新修复 Bug，多样化收入。');
    expect(r.flags).not.toContain('off_topic');
    expect(r.flags).not.toContain('buzzwords');
  });

  it('gives a list no credit from an explaining sentence after it', () => {
    const r = run('社区活跃、单元测试、==。单元测试可以保证代码质量不退化。');
    expect(r.keyPoints.find((k) => k.id === 'community')!.credit).toBe(0);
  });
});

describe('model answers that the checks misread (found by rubrics:check)', () => {
  const rubric = RubricSchema.parse({
    question_id: 'q_aa1d4659',
    status: 'curated',
    model_answer: 'GET 获取资源，POST 提交数据。',
    key_points: [
      { id: 'callable', point: '参数是可调用对象', weight: 1, phrasings: { zh: ['可调用对象'], en: [] } },
      { id: 'saas', point: '托管服务按量收费', weight: 1, phrasings: { zh: ['托管服务'], en: ['saas'] }, support: { zh: ['按量'], en: [] } },
      { id: 'name-error', point: '找不到时抛 NameError', weight: 1, phrasings: { zh: ['NameError'], en: ['NameError'] } },
      { id: 'state', point: '条件更新', weight: 1, phrasings: { zh: ['条件更新'], en: [] }, support: { zh: ['已处理'], en: [] } },
      { id: 'mutate', point: '修改可变对象不需要 global', weight: 1, phrasings: { zh: ['可变对象'], en: [] }, support: { zh: ['不需要global'], en: [] } },
    ],
    misconceptions: [
      { id: 'post-safer', claim: 'POST 比 GET 安全', phrasings: { zh: ['POST比GET安全'], en: [] }, penalty: 1, correction: '都要靠 HTTPS' },
      { id: 'buy-stars', claim: '刷 star', phrasings: { zh: ['刷star'], en: [] }, penalty: 1, correction: '违反平台规则' },
      { id: 'default-value', claim: '参数传默认值', phrasings: { zh: ['defaultdict(0)'], en: ['defaultdict(0)'] }, penalty: 1, correction: '传可调用对象' },
      { id: 'password', claim: '用 PASSWORD() 函数', phrasings: { zh: ['PASSWORD()函数'], en: [] }, penalty: 1, correction: '8.0 已删除' },
      { id: 'plain-del', claim: '直接 DEL 释放', phrasings: { zh: ['直接del'], en: ['just del the key'] }, penalty: 1, correction: '比较 token 再删' },
    ],
  });
  const run = (answer: string) => checkProse({ answer, question: 'GET 和 POST 的区别？', rubric });
  const status = (answer: string, id: string) => run(answer).keyPoints.find((k) => k.id === id)!.status;

  it.each([
    ['a quoted claim', '“POST 比 GET 安全”只在不留在 URL 里这个意义上成立。'],
    ['a claim warned against', '避免：刷 star、在别人的 Issue 里打广告。'],
    ['a claim shown to fail', '参数不是默认值本身：`defaultdict(0)` 抛 `TypeError`。'],
    ['a claim that no longer holds', '`PASSWORD()` 函数在 8.0 已删除。'],
    ['code in a fenced block', "释放时比较 token：\n```lua\nif redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end\n```"],
  ])('%s is no misconception', (_what, answer) => {
    expect(run(answer).misconceptions).toEqual([]);
  });

  it('still finds the claim when it is made', () => {
    expect(run('我觉得 POST 比 GET 安全。').misconceptions.map((m) => m.id)).toEqual(['post-safer']);
    expect(run('可以刷 star 提高知名度。').misconceptions.map((m) => m.id)).toEqual(['buy-stars']);
    expect(run('用完直接 DEL 就行，just del the key。').misconceptions.map((m) => m.id)).toEqual(['plain-del']);
  });

  it('does not take a clause with names in it for a list', () => {
    expect(status('参数是可调用对象（`int`、`list`、`set`、`lambda`），不是默认值本身。', 'callable')).toBe('met');
    expect(status('**托管服务 / SaaS**：提供托管版本按量收费，如 MongoDB Atlas、Elastic Cloud、Grafana Cloud。', 'saas')).toBe('met');
    expect(status('| 托管服务 / SaaS | 托管版本按量收费 | MongoDB Atlas、Elastic Cloud | 省运维 |', 'saas')).toBe('met');
    expect(status('托管服务、Redis、etcd、Lua', 'saas')).toBe('missed');
  });

  it('reads a short consequence as an explanation', () => {
    expect(status('都找不到则抛 `NameError`。', 'name-error')).toBe('met');
    expect(status('NameError。', 'name-error')).toBe('missed');
  });

  it('keeps inline code in one sentence', () => {
    expect(status("条件更新：`UPDATE t SET status='DONE' WHERE id=? AND status='INIT'`，影响 0 行即已处理。", 'state')).toBe('met');
  });

  it('does not carry a negation past a comma', () => {
    expect(status('修改可变对象的内容（如 append）也不是重新绑定，不需要 `global`。', 'mutate')).toBe('met');
    expect(status('可变对象的内容可以直接改，要用 global 声明。', 'mutate')).toBe('partial');
  });
});
