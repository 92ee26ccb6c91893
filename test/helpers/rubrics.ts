// Rubrics the interview tests share: the distributed-lock question (a curated fixture) and a small
// coding question with a hidden test, which a candidate must not see and staff must.
import { readFileSync } from 'node:fs';
import { RubricSchema, type Rubric } from '../../src/rubrics/schema.ts';

export const lock: Rubric = RubricSchema.parse(JSON.parse(readFileSync(new URL('../fixtures/rubrics/q_22712696.json', import.meta.url), 'utf8')));

export const toInt: Rubric = RubricSchema.parse({
  question_id: 'q_1803e414',
  status: 'curated',
  kind: 'coding',
  prompt: '实现 to_int(s: str) -> int，不使用 int()/float()/eval()。',
  model_answer: '逐位累加：`n = n * 10 + ord(c) - ord("0")`。',
  key_points: [{ id: 'ord', point: '用字符编码逐位累加', weight: 1, phrasings: { zh: ['ord'], en: ['ord'] } }],
  hints: ['想想字符 "7" 和数字 7 之间差了什么。'],
  follow_ups: ['负数怎么处理？'],
  coding: {
    language: 'python',
    entry: 'to_int',
    signature: 'def to_int(s: str) -> int',
    tests: [
      { args: ['12'], expected: 12 },
      { args: ['-987654'], expected: -987654, hidden: true },
    ],
    constraints: { forbidden_calls: ['int'] },
    reference_solution: 'def to_int(s):\n    sign = -1 if s[0] == "-" else 1\n    n = 0\n    for c in s.lstrip("-"):\n        n = n * 10 + ord(c) - 48\n    return sign * n',
  },
});

/** An answer to the lock question that makes its key points. */
export const STRONG = '用 Redis 加锁时用一条命令 SET lock_key token NX PX 30000，这样设置值和过期时间是原子的。锁的值是自己的随机 token，释放时用 Lua 脚本先比较 token 再删除，避免误删别人的锁。';
