// Title normalisation for dedup: a question's key is what it asks (its intents: define,
// implement, design, compare, list, how, why, or a bare topic) and about what (its core).
//
// "如何实现一个分布式锁？" and "如何在分布式系统中实现分布式锁？" both become implement|分布式锁;
// "什么是分布式锁？" is define|分布式锁, a different question. Synonyms the documents use for
// one thing are folded here (流计算/流处理, 身份验证/身份认证), and generic head nouns
// (负载均衡器/负载均衡算法/负载均衡系统) are dropped, so rewordings meet.
import { stripInline, stripNumbering } from './markdown.ts';

export interface QuestionKey {
  /** Sorted intents joined by "+", e.g. "define+implement". */
  intent: string;
  /** What is asked about, normalised; "|" separates the cores of a compound question. */
  core: string;
}

type Intent = 'define' | 'implement' | 'design' | 'compare' | 'list' | 'how' | 'why' | 'topic';

const SYNONYMS: Array<[RegExp, string]> = [
  [/流计算/g, '流处理'],
  [/身份验证/g, '身份认证'],
  [/消息队列/g, '队列'],
  [/数据一致性/g, '一致性'],
  // Verbs only where they lead the core ("处理……一致性"), so 流处理 stays a noun.
  [/^(处理|应对)/, '解决'],
  [/^(确保|保障)/, '保证'],
  [/^规避/, '避免'],
  [/差别|不同之处|异同/g, '区别'],
];

// Words that say nothing about the subject.
const FILLER = [
  /在?分布式(系统|计算|环境)中的?/g,
  /(简要|简单地?|简述|一个|一种|常见的?|常用的?|通常|主要|具体)/g,
  /的/g,
];

const GENERIC_SUFFIX = /(系统|算法|集群|器|机制|问题|方案|协议)$/;

// "如何在 X 中实现 Y": the context stays in the core as written, so the filler rules see it.
function joinCore(m: RegExpExecArray): string {
  return (m[1] ?? '') + (m[2] ? `在${m[2]}中` : '') + (m[3] ?? '');
}

function clauseIntent(clause: string): { intent: Intent; core: string } {
  let m: RegExpExecArray | null;
  if (/(区别|差别|不同|异同|联系|关系|对比|比较)/.test(clause)) {
    return { intent: 'compare', core: clause.replace(/(有什么|有何|是什么|的)?(区别|差别|不同|异同|联系|关系|对比|比较)(和|与|及)?/g, '') };
  }
  if ((m = /^什么是(.+)$/.exec(clause)) || (m = /^(.+?)是什么$/.exec(clause)) || (m = /^(.+?)的定义$/.exec(clause)) || (m = /^对(.+)的理解$/.exec(clause))) {
    return { intent: 'define', core: m[1]! };
  }
  if ((m = /^(.*?)(?:如何|怎么|怎样|怎么样)?(?:在(.+?)中)?设计(.*)$/.exec(clause)) && /设计/.test(clause) && !/设计模式/.test(clause)) {
    return { intent: 'design', core: joinCore(m) };
  }
  if ((m = /^(.*?)(?:如何|怎么|怎样|怎么样)(?:在(.+?)中)?实现(.*)$/.exec(clause)) || (m = /^()(?:在(.+?)中)?实现(.+)$/.exec(clause))) {
    return { intent: 'implement', core: joinCore(m) };
  }
  if ((m = /^(.+?)的?实现(方式|方法|原理)?$/.exec(clause))) return { intent: 'implement', core: m[1]! };
  if ((m = /^(.+?)(有哪些|有哪几种|有哪几个|哪些|有几种)(.*)$/.exec(clause))) return { intent: 'list', core: m[1]! + m[3]! };
  if ((m = /^(.*?)(为什么|为何)(.*)$/.exec(clause))) return { intent: 'why', core: m[1]! + m[3]! };
  if ((m = /^(.+?)是(怎样|怎么样|什么样)的$/.exec(clause))) return { intent: 'how', core: m[1]! };
  if ((m = /^(.*?)(如何|怎么|怎样|怎么样)(.*)$/.exec(clause))) return { intent: 'how', core: m[1]! + m[3]! };
  return { intent: 'topic', core: clause };
}

function normalizeCore(core: string): string {
  let c = core;
  for (const p of FILLER) c = c.replace(p, '');
  c = c.replace(/[与跟及]/g, '和').replace(/[^\p{L}\p{N}]+/gu, '');
  // Drop a generic head noun while something specific remains (负载均衡器 -> 负载均衡,
  // but 分布式算法 stays: 分布式 alone would say nothing). Before and after the synonyms, so
  // 消息队列系统 -> 消息队列 -> 队列 meets 消息队列 -> 队列.
  const dropSuffix = () => {
    while (GENERIC_SUFFIX.test(c) && c.replace(GENERIC_SUFFIX, '').length >= 4) c = c.replace(GENERIC_SUFFIX, '');
  };
  dropSuffix();
  for (const [p, r] of SYNONYMS) c = c.replace(p, r);
  dropSuffix();
  return c;
}

/** The plain text a title is compared in: width-folded, lower case, no numbering or markup. */
export function normalizeTitle(title: string): string {
  return stripNumbering(stripInline(title.normalize('NFKC')))
    .toLowerCase()
    .replace(/[“”"'‘’「」『』]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export function questionKey(title: string): QuestionKey {
  const clauses = normalizeTitle(title)
    .split(/[?？]+/)
    .map((c) => c.replace(/[。.!！]+$/, '').replace(/^(请问|请你|请|谈谈你?|说说你?)\s*/, '').trim())
    .filter(Boolean);
  const intents = new Set<Intent>();
  const cores: string[] = [];
  for (const clause of clauses.length ? clauses : ['']) {
    const { intent, core } = clauseIntent(clause);
    intents.add(intent);
    const c = normalizeCore(core);
    if (c && !cores.includes(c)) cores.push(c);
  }
  return { intent: [...intents].sort().join('+'), core: cores.join('|') };
}

/**
 * The features a core is compared by: latin words whole (so "python" is one feature, not five
 * letter pairs), Chinese as character bigrams.
 */
export function features(core: string): string[] {
  const out = new Set<string>();
  for (const run of core.match(/[\p{Script=Han}]+|[\p{L}\p{N}]+/gu) ?? []) {
    if (!/\p{Script=Han}/u.test(run)) {
      out.add(run);
    } else if (run.length === 1) {
      out.add(run);
    } else {
      for (let i = 0; i + 1 < run.length; i++) out.add(run.slice(i, i + 2));
    }
  }
  return [...out];
}
