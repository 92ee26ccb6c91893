// A draft rubric from a question's reference answer: bullets, bold terms and numbered steps become
// key points. Drafts are a starting point for a human (status "draft"); they carry the document's
// answer as it is, errors included, until someone curates them.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Question } from '../bank/bank.ts';
import { BankStore } from '../bank/store.ts';
import { loadConfig } from '../config.ts';
import { questionKey } from '../bank/normalize.ts';
import { glossaryTerms } from '../grading/glossary.ts';
import type { KeyPoint, Rubric } from './schema.ts';

const MAX_POINTS = 6;
const CJK = /[\u3400-\u9fff]/;

function clean(s: string): string {
  return s.replace(/\*\*|`/g, '').replace(/\s+/g, ' ').trim();
}

// Bold labels that structure an answer rather than name anything in it.
const LABELS = /^(例如|比如|注意|总结|总之|示例|解析|答案|解答|举例|工作原理|实现步骤|原理|步骤|优点|缺点|区别|联系|应用场景|源代码实例|代码示例|示例代码|相似点|不同点)$/;

/**
 * Names in a line that a candidate would say: bold and code spans, the lead before "：",
 * glossary terms, and technical proper nouns (Redis, ZooKeeper, Kafka).
 */
function namesIn(line: string): string[] {
  const names: string[] = [];
  for (const m of line.matchAll(/\*\*([^*]{2,24})\*\*|`([^`]{2,24})`/g)) names.push(clean(m[1] ?? m[2] ?? ''));
  // "代码质量：……" names a point; "可以从以下方面评估：" only announces a list.
  const lead = /^([^：:，,。]{2,16})[：:]/.exec(clean(line))?.[1];
  if (lead && !/(以下|如下|包括|方面|步骤|几点|几种|几个|可以|主要)/.test(lead)) names.push(lead.trim());
  const text = clean(line).toLowerCase();
  for (const term of glossaryTerms()) if (text.includes(term)) names.push(term);
  for (const m of clean(line).matchAll(/\b[A-Z][A-Za-z]*[A-Z0-9][A-Za-z0-9]*\b|\b[A-Z][a-z]{2,}(?:[A-Z][a-z]+)+\b|\b(?:Redis|Kafka|RabbitMQ|ZooKeeper|etcd|Paxos|Raft|MongoDB|MySQL|Cassandra|Memcached|Nginx|Flink|Spark|Hadoop)\b/g)) names.push(m[0]);
  return [...new Set(names.map((n) => n.replace(/[：:，,。]$/, '').trim()))].filter((n) => n.length >= 2 && !LABELS.test(n));
}

function keyPointFrom(text: string, names: string[], n: number): KeyPoint {
  const zh = names.filter((x) => CJK.test(x));
  const en = names.filter((x) => !CJK.test(x));
  return { id: `kp-${n}`, point: clean(text).slice(0, 120), weight: 1, phrasings: { zh: [...new Set(zh)], en: [...new Set(en)] } };
}

/** Key points from the reference: list items first (they are how the documents enumerate points), then bold terms in prose. */
export function draftKeyPoints(reference: string, title: string): KeyPoint[] {
  const prose = reference.replace(/```[\s\S]*?```/g, '');
  const points: KeyPoint[] = [];
  const seen = new Set<string>();
  const add = (text: string, names: string[]) => {
    const fresh = names.filter((x) => !seen.has(x.toLowerCase()));
    if (fresh.length === 0 || points.length >= MAX_POINTS) return;
    fresh.forEach((x) => seen.add(x.toLowerCase()));
    points.push(keyPointFrom(text, fresh, points.length + 1));
  };
  for (const line of prose.split('\n')) {
    const item = /^\s*(?:[-*+]|\d+[.、)])\s+(.+)$/.exec(line);
    if (item) add(item[1]!, namesIn(item[1]!));
  }
  for (const sentence of prose.split(/(?<=[。！？\n])/)) if (!/^\s*(?:[-*+]|\d+[.、)])\s/.test(sentence)) add(sentence, namesIn(sentence).slice(0, 2));
  if (points.length === 0) {
    // Nothing marked up: the subject of the question is the one thing an answer must address.
    const core = questionKey(title).core.split('|')[0] || clean(title);
    points.push(keyPointFrom(clean(reference).slice(0, 120) || title, [core], 1));
  }
  return points;
}

const FOLLOW_UPS: Record<string, string[]> = {
  concept: ['能举一个你在实际项目中用到它的例子吗？', '它有什么局限或代价？在什么情况下不该用它？'],
  design: ['如果其中一个节点故障或网络分区，你的方案会怎样？', '这个方案的瓶颈在哪里？规模扩大十倍时你会怎么改？'],
  coding: ['你的实现的时间和空间复杂度是多少？能否更优？', '有哪些边界情况需要处理？你的代码如何处理它们？'],
};

export function draftRubric(q: Question): Rubric {
  return {
    question_id: q.id,
    status: 'draft',
    model_answer: q.reference.text || q.reference.code.map((c) => '```' + c.lang + '\n' + c.source + '\n```').join('\n\n') || q.prompt,
    key_points: draftKeyPoints(q.reference.text, q.title),
    misconceptions: [],
    hints: ['先说清楚它要解决什么问题，再讲怎么做。'],
    follow_ups: FOLLOW_UPS[q.kind] ?? FOLLOW_UPS.concept!,
    corrections: [],
  };
}

/** A rubric for a question known only by its text (batch grading with no bank match). */
export function draftInlineRubric(input: { id: string; question: string; reference?: string; keyPoints?: Array<{ point: string; weight?: number }> }): Rubric {
  const reference = input.reference ?? '';
  const keyPoints: KeyPoint[] = input.keyPoints?.length
    ? input.keyPoints.map((k, i) => ({
        id: `kp-${i + 1}`,
        point: k.point,
        weight: k.weight && k.weight > 0 ? k.weight : 1,
        // The point's own words are its phrasing; the glossary adds the other language's names.
        phrasings: CJK.test(k.point) ? { zh: [k.point], en: [] } : { zh: [], en: [k.point] },
      }))
    : draftKeyPoints(reference, input.question);
  return {
    question_id: 'q_00000000',
    // Key points a person wrote are trusted like a curated rubric's; ones guessed from the reference are not.
    status: input.keyPoints?.length ? 'curated' : 'draft',
    model_answer: reference || input.question,
    key_points: keyPoints,
    misconceptions: [],
    hints: [],
    follow_ups: [],
    corrections: [],
  };
}

/** npm run rubrics:draft — a draft for every bank question that has no rubric; never overwrites. */
function main() {
  const config = loadConfig();
  const bank = BankStore.load(config.BANK_PATH);
  let written = 0;
  for (const q of bank.questions) {
    const file = join(config.RUBRICS_DIR, `${q.id}.json`);
    if (existsSync(file)) continue;
    writeFileSync(file, JSON.stringify(draftRubric(q), null, 2) + '\n', { flag: 'wx' });
    written++;
  }
  console.log(`wrote ${written} draft rubric(s) to ${config.RUBRICS_DIR}/; ${bank.questions.length - written} question(s) already had one`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
