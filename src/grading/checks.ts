// Deterministic checks of a prose answer against its rubric: which key points it makes (with the
// sentence that makes each), which misconceptions it states, and the gates that send an answer to
// zero (empty, "不知道", a restatement of the question, off-topic, a bare list of buzzwords).
import { equivalents, glossaryTerms } from './glossary.ts';
import { detectLang, REFERENCE_WEIGHTS, referenceScore, terms, type CorpusStats } from './similarity.ts';
import type { CheckResult, Flag, KeyPointResult, MisconceptionResult } from './types.ts';
import type { KeyPoint, Misconception, Rubric } from '../rubrics/schema.ts';

/** Width-folded, lower-case, without white space or punctuation: how Chinese phrases are compared. */
export function fold(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/[\s\p{P}\p{S}]+/gu, '');
}

const HAS_CJK = /[\u3400-\u9fff]/;

interface Sentence {
  /** As written in the answer: quotes are taken from here, so they occur in it. */
  text: string;
  folded: string;
  /** Folded, with a mark where a comma or colon ends a clause: a negation does not reach past one. */
  clauses: string;
  stems: string[];
}

const CLAUSE_END = '\uE000';
const foldClauses = (text: string) => fold(text.normalize('NFKC').replace(/[,:]+/g, CLAUSE_END));

/**
 * Split into sentences and clauses; list items and lines count as sentences too. Inline code is
 * never split: "`UPDATE ... SET status='DONE' WHERE id=?`" is one thing.
 */
export function sentences(answer: string): Sentence[] {
  const code = [...answer.matchAll(/`[^`\n]+`/g)].map((m) => [m.index, m.index + m[0].length]);
  const parts: string[] = [];
  let from = 0;
  for (const m of answer.matchAll(/(?<=[。！？!?；;\n])|(?<=\.)\s+/g)) {
    if (code.some(([a, b]) => m.index > a! && m.index < b!)) continue;
    parts.push(answer.slice(from, m.index));
    from = m.index + m[0].length;
  }
  parts.push(answer.slice(from));
  return parts
    .map((t) => t.trim())
    .filter((t) => fold(t) !== '')
    .map((text) => ({ text, folded: fold(text), clauses: foldClauses(text), stems: terms(text, detectLang(text)) }));
}

/** Lower case, width-folded, without white space: how code-like phrasings ("==", "__new__") are compared. */
function literal(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/\s+/g, '');
}

/** A phrasing with symbols in it (`==`, `x[1]`, `__new__`, `+=`) means those symbols: match it literally. */
const SYMBOLIC = /[^\p{L}\p{N}\s'-]/u;

/**
 * Does `phrase` occur in the sentence? Code-like phrasings literally; Chinese by folded substring;
 * English by stemmed words in order.
 */
function occurs(phrase: string, s: Sentence): boolean {
  if (SYMBOLIC.test(phrase) && !HAS_CJK.test(phrase)) return literal(s.text).includes(literal(phrase));
  if (HAS_CJK.test(phrase)) return fold(phrase) !== '' && s.folded.includes(fold(phrase));
  const want = phraseTerms(phrase);
  if (want.length === 0) return fold(phrase) !== '' && s.folded.includes(fold(phrase));
  outer: for (let i = 0; i + want.length <= s.stems.length; i++) {
    for (let j = 0; j < want.length; j++) if (s.stems[i + j] !== want[j]) continue outer;
    return true;
  }
  return false;
}

// Rubric phrasings are few and fixed: stem each once, not once per sentence of every answer.
const stemmed = new Map<string, string[]>();
function phraseTerms(phrase: string): string[] {
  let t = stemmed.get(phrase);
  if (!t) {
    if (stemmed.size >= 20_000) stemmed.clear();
    stemmed.set(phrase, (t = terms(phrase, 'en')));
  }
  return t;
}

/** Every phrasing of a key point or misconception, with glossary equivalents in both languages. */
function phrasesOf(p: { zh: string[]; en: string[] }): string[] {
  const all = new Set<string>();
  for (const ph of [...p.zh, ...p.en]) for (const e of equivalents(ph)) all.add(e);
  return [...all];
}

// Words that relate things: a sentence with them says something about a term, a list does not.
const RELATION = /(是|为|指|通过|用于|用来|使用|利用|保证|确保|避免|防止|因为|所以|因此|如果|当|时|会|要|可以|能够|需要|必须|实现|把|将|让|使|导致|表示|意味着|称为|叫做|负责|支持|依赖|基于|采用|比|而|则|才|就|还有|常|否则|按|即|\b(is|are|was|means|uses|use|using|ensures|ensure|because|when|if|so|by|which|that|prevents|avoids|allows|lets|makes|requires|provides|stores|keeps|returns|guarantees|unless|otherwise|than|instead|while|until|after|before)\b)/i;

// English function words: a sentence has some, a row of names has none.
const GLUE = /\b(the|a|an|of|to|in|for|and|or|with|on|it|its|this|be|has|have)\b/i;

// A consequence says something in few words: "都找不到则抛 NameError".
const CONSEQUENCE = /(则|就|否则|导致|所以|因此|于是|\b(so|then|otherwise)\b)/i;

let glossaryFolded: Set<string> | undefined;
/** The glossary's terms, folded once: isList asks about them for every sentence of every answer. */
function foldedGlossary(): Set<string> {
  return (glossaryFolded ??= new Set(glossaryTerms().map(fold)));
}

/**
 * A list of names ("Redis、ZooKeeper、etcd", "SET NX PX、token、Lua、过期时间"): three or more
 * items, most of them bare names — a rubric phrasing (`names`, folded) or glossary term, or a
 * latin word — rather than short clauses ("做好社区管理，明确愿景和目标，…" is terse, but it says something).
 */
function isList(text: string, names: ReadonlySet<string>): boolean {
  // A table row lays out an explanation in cells; it is not a list of names.
  if (/^\|.*\|/.test(text)) return false;
  const items = text.split(/[、,，;；/|。.]+/).map((x) => x.trim()).filter(Boolean);
  if (items.length < 3) return false;
  const isName = (item: string) => {
    const f = fold(item);
    // A latin name is a word or two ("Redis", "SET NX"), not an English clause.
    if (!HAS_CJK.test(item)) return item.split(/\s+/).length <= 3;
    return names.has(f) || foldedGlossary().has(f);
  };
  // A longer item is a clause that says something: "提供托管版本按量收费，如 MongoDB Atlas、…".
  if (items.some((item) => !isName(item) && fold(item).length > 8)) return false;
  return items.filter(isName).length >= Math.ceil(items.length * 0.6);
}

/** A sentence that explains rather than names: enough words beside the term, and a relation. */
function explains(s: Sentence, phrase: string, names: ReadonlySet<string>): boolean {
  if (isList(s.text, names)) return false;
  const own = HAS_CJK.test(phrase) ? Math.ceil(fold(phrase).length / 2) : phraseTerms(phrase).length;
  const extra = s.stems.length - own;
  if (extra >= 3 && RELATION.test(s.text)) return true;
  if (extra >= 2 && CONSEQUENCE.test(s.text)) return true;
  // Without a relation word, enough words say something ("解析 HTML 生成 DOM 树，解析 CSS 生成
  // CSSOM") — but Latin words in a row without a function word among them ("Redis ZooKeeper etcd
  // token Lua TTL") are names, not an English sentence.
  return extra >= 5 && (HAS_CJK.test(s.text) || GLUE.test(s.text));
}

// Words that deny what follows them, read in folded text (no spaces or punctuation): right before
// the phrase, or a few characters before it across a verb of saying or thinking ("不能认为…",
// "并不要求…"). A bare 不 only counts right before the phrase ("不仅…" is no denial).
const NEGATION_ZH = /(不是|并不|并非|没有|不会|不能|不应该?|不可能|无法|没法|未必|不一定|不要|不需要|不必|不用|无需|而不是|错误地认为|误以为|以为|认为.{0,2}是错)(认为|以为|说|要求|需要|应该|能|会|是|去|再|先|把|让|对)?.{0,4}$|不$/;
const NEGATION_EN = /\b(not|no|never|isn't|aren't|doesn't|don't|didn't|won't|cannot|can't|shouldn't|instead of|rather than|wrong(ly)?|myth)\b[^.;]{0,30}$/i;
// A claim rejected after it is stated: "先SETNX再EXPIRE是错的", "……是误解", "其实……".
// or warned about: "如果直接 DEL，会误删别人的锁" names what goes wrong, it does not recommend it.
// Or shown to fail: "defaultdict(0) 抛 TypeError", "PASSWORD() 函数在 8.0 已删除".
const REJECTED_AFTER_ZH = /^.{0,6}(是错的|是错误的|是误解|是误传|是个?误区|是不对的|不对|不成立|并不正确|不正确|是谣言|是过时的|会导致|会造成|会误|就会|的问题是|有问题|不安全|不是原子|抛|报错|已删除|已移除|已废弃|被移除|被删除|被废弃)/;
// Warned against: "避免：刷 star", "不建议用 PASSWORD()". (Not a negation for key points: "避免误删" is one.)
const DISCOURAGED_ZH = /(避免|切忌|禁止|杜绝|警惕|不建议|不推荐|别)[^。]{0,3}$/;
// A hypothesis is no belief: "如果先 SETNX 再 EXPIRE，……".
const HYPOTHETICAL_ZH = /(如果|若是|假如|要是|一旦|万一)[^。；]{0,8}$/;
const REJECTED_AFTER_EN = /^[^.;]{0,20}\b(is|are) (wrong|a myth|false|incorrect|a misconception)\b/i;
// Attributed to others: "很多人以为……，其实……".
const ATTRIBUTED_ZH = /(很多人|有人|常有人|人们|大家)(以为|认为|说)/;
// Quoted claims are mentioned, not made: "“POST 比 GET 安全”只在……意义上成立".
const QUOTED = /“[^”]*”|「[^」]*」|『[^』]*』|"[^"]*"/g;

/** Where the phrase stands in the folded sentence, and what comes before and after it. */
function around(s: Sentence, phrase: string): { before: string; after: string } | undefined {
  const f = fold(phrase);
  const at = s.folded.indexOf(f);
  return at < 0 ? undefined : { before: s.folded.slice(0, at), after: s.folded.slice(at + f.length) };
}

/** Is `phrase` negated where it stands ("不会丢消息", "X is not Y")? */
function negated(s: Sentence, phrase: string): boolean {
  if (HAS_CJK.test(phrase)) {
    const at = s.clauses.indexOf(fold(phrase));
    // "也不是重新绑定，不需要 global": the 不是 belongs to the clause before.
    const before = at >= 0 ? s.clauses.slice(0, at).split(CLAUSE_END).pop()! : around(s, phrase)?.before;
    return before !== undefined && NEGATION_ZH.test(before.slice(-10).replace(/(的|地|也|就|还|都|一定|真的|其实)+$/, ''));
  }
  const lower = s.text.normalize('NFKC').toLowerCase();
  const first = phrase.toLowerCase().split(/\s+/)[0] ?? '';
  const at = lower.indexOf(first);
  return at > 0 && NEGATION_EN.test(lower.slice(Math.max(0, at - 40), at));
}

/**
 * Is a claim held, or only mentioned? Besides a negation, a claim is not held when it is rejected
 * or warned about after it ("……是误解", "……会误删别人的锁"), attributed to others ("很多人以为……"),
 * warned against ("避免……"), quoted, or put as a hypothesis ("如果……"). Used for misconceptions: a key point explained through its
 * consequences ("如果没有过期时间，……") is still made.
 */
function disowned(s: Sentence, phrase: string): boolean {
  if (negated(s, phrase)) return true;
  const f = fold(phrase);
  if (f && [...s.text.matchAll(QUOTED)].some((q) => fold(q[0]).includes(f))) return true;
  // Folded, a code-like phrasing ("defaultdict(0)") stands in Chinese text like a Chinese one.
  const a = around(s, phrase);
  if (a && (REJECTED_AFTER_ZH.test(a.after) || DISCOURAGED_ZH.test(a.before) || ATTRIBUTED_ZH.test(a.before) || HYPOTHETICAL_ZH.test(a.before))) return true;
  if (HAS_CJK.test(phrase)) return false;
  const lower = s.text.normalize('NFKC').toLowerCase();
  const at = lower.indexOf(phrase.toLowerCase().split(/\s+/)[0] ?? '');
  return at >= 0 && REJECTED_AFTER_EN.test(lower.slice(at + phrase.length));
}

/** A quote of at most ~80 characters from the sentence, centred on the phrase when possible. */
function quote(s: Sentence): string {
  return s.text.length <= 80 ? s.text : s.text.slice(0, 80);
}

export function checkKeyPoint(k: KeyPoint, ss: Sentence[], names: ReadonlySet<string>): KeyPointResult {
  const phrases = phrasesOf(k.phrasings);
  const support = k.support ? phrasesOf(k.support) : [];
  let best: { credit: number; s: Sentence } | undefined;
  ss.forEach((s, i) => {
    // A phrasing stated, not denied ("没有全局时钟" may be the point; "不会丢消息" may deny it).
    const phrase = phrases.find((p) => occurs(p, s) && !negated(s, p));
    if (!phrase) return;
    // Named, not made — unless the sentence goes on into the next (a list never does).
    const next = ss[i + 1];
    if (!explains(s, phrase, names) && (isList(s.text, names) || !next || !explains(next, phrase, names))) return;
    // With support words defined, the point is made when one stands in the sentence or next to it.
    const near = [s, ss[i + 1], ss[i - 1]].filter((x): x is Sentence => !!x);
    const supported = support.length === 0 || support.some((w) => near.some((x) => occurs(w, x) && !negated(x, w)));
    const credit = supported ? 1 : 0.5;
    if (!best || credit > best.credit) best = { credit, s };
  });
  const base = { id: k.id, point: k.point, weight: k.weight, by: 'checks' as const };
  if (!best) return { ...base, status: 'missed', credit: 0 };
  return { ...base, status: best.credit === 1 ? 'met' : 'partial', credit: best.credit, evidence: quote(best.s) };
}

export function checkMisconception(m: Misconception, ss: Sentence[]): MisconceptionResult | undefined {
  const phrases = phrasesOf(m.phrasings);
  for (const s of ss) {
    const found = phrases.filter((p) => occurs(p, s));
    // Phrasings overlap ("先SETNX再EXPIRE", "再EXPIRE"): a sentence that denies one denies the claim.
    if (found.length === 0 || found.some((p) => disowned(s, p))) continue;
    return { id: m.id, claim: m.claim, correction: m.correction, evidence: quote(s), by: 'checks' };
  }
  return undefined;
}

const asked = new Map<string, Set<string>>();
/** A question's words, once per question; code in it is not its words. */
function questionTermsOf(question: string): Set<string> {
  let t = asked.get(question);
  if (!t) {
    const prose = question.replace(/```[\s\S]*?```/g, ' ');
    if (asked.size >= 2000) asked.clear();
    asked.set(question, (t = new Set(terms(prose, detectLang(prose)))));
  }
  return t;
}

/** referenceScore's share for any real attempt (REFERENCE_WEIGHTS.answered). */
const ATTEMPT_CREDIT = REFERENCE_WEIGHTS.answered;
const ON_TOPIC = 0.3;

const DONT_KNOW = /^(我?(真的)?(不知道|不会|不清楚|不了解|不太清楚|不懂|没学过|没听说过|忘了|想不起来)|跳过|略|无|pass|skip|idk|dunno|no idea|not sure|i (really )?(don'?t|do not) know|i have no idea|no answer|not answered|n\/?a)[\s。.!！~～…,，]*(了|啊|呢|吧)?[\s。.!！~～…]*$/i;

export interface ProseCheck {
  /** 0..10 from the checks alone. */
  score: number;
  coverage: number;
  similarity: number;
  keyPoints: KeyPointResult[];
  misconceptions: MisconceptionResult[];
  checks: CheckResult[];
  flags: Flag[];
}

export interface ProseInput {
  answer: string;
  question: string;
  rubric: Rubric;
  stats?: CorpusStats;
}

/**
 * Grade prose deterministically. The score mixes key-point coverage (what the rubric says a
 * strong answer makes) with similarity to the model answer; a curated rubric's key points carry
 * most of the weight, a draft's (phrasings guessed from the document) less.
 */
export function checkProse(input: ProseInput): ProseCheck {
  const { answer, question, rubric } = input;
  const flat = fold(answer);
  const zero = (flag: Flag, name: string, reason: string): ProseCheck => ({
    score: 0,
    coverage: 0,
    similarity: 0,
    keyPoints: rubric.key_points.map((k) => ({ id: k.id, point: k.point, weight: k.weight, status: 'missed', credit: 0, by: 'checks' })),
    misconceptions: [],
    checks: [{ name, pass: false, score: 0, reason }],
    flags: [flag],
  });
  if (flat.length === 0) return zero('empty', 'answered', 'the answer is empty');
  if (DONT_KNOW.test(answer.trim().normalize('NFKC'))) return zero('empty', 'answered', 'the answer says the candidate does not know');

  const ss = sentences(answer);
  const answerTerms = new Set(terms(answer, detectLang(answer)));
  // Code in the question is not the question's words: an answer that gives its output is no restatement.
  const questionTerms = questionTermsOf(question);
  const novel = [...answerTerms].filter((t) => !questionTerms.has(t));
  if (answerTerms.size > 0 && novel.length === 0) {
    return zero('empty', 'adds-to-question', 'the answer only restates the question');
  }

  const names = new Set(rubric.key_points.flatMap((k) => [...k.phrasings.zh, ...k.phrasings.en]).map(fold));
  const keyPoints = rubric.key_points.map((k) => checkKeyPoint(k, ss, names));
  // A misconception is a claim in prose; code ("redis.call('del', KEYS[1])" inside a Lua script)
  // shows how, it does not claim.
  const prose = answer.includes('```') ? sentences(answer.replace(/```[\s\S]*?```/g, '\n')) : ss;
  const misconceptions = rubric.misconceptions.map((m) => checkMisconception(m, prose)).filter((m): m is MisconceptionResult => !!m);
  const total = rubric.key_points.reduce((n, k) => n + k.weight, 0);
  const coverage = keyPoints.reduce((n, k) => n + k.weight * k.credit, 0) / total;
  const penalty = misconceptions.reduce((n, m) => n + rubric.misconceptions.find((x) => x.id === m.id)!.penalty, 0) / total;
  // referenceScore is tuned to rank answers like human graders do, and gives any real attempt a
  // base share; what the answer actually shares with the model answer is in its features.
  const ref = referenceScore(answer, rubric.model_answer, question, input.stats);
  const recall = ref.features.recall ?? 0;
  const cosine = ref.features.cosine ?? 0;
  const overlap = 0.5 * Math.sqrt(recall) + 0.5 * Math.sqrt(cosine);
  // Curated key points say what matters, so the model answer adds its plain overlap. A draft's
  // key points are guesses, so the tuned similarity carries the score — but its base credit for
  // any real attempt is earned only in proportion to being on topic (full at an overlap of 0.3),
  // so an unrelated answer is not half right. (On Mohler this costs r 0.63 -> 0.57.)
  const similarity = rubric.status === 'curated' ? overlap : Math.max(0, ref.score - ATTEMPT_CREDIT * (1 - Math.min(1, overlap / ON_TOPIC)));

  const checks: CheckResult[] = [];
  const flags: Flag[] = [];
  const named = rubric.key_points.filter((k) => ss.some((s) => phrasesOf(k.phrasings).some((p) => occurs(p, s)))).length;
  const made = keyPoints.filter((k) => k.credit > 0).length;
  if (named >= 2 && made === 0) {
    flags.push('buzzwords');
    checks.push({ name: 'explained', pass: false, score: 0, reason: `names ${named} key terms without explaining any` });
  }
  // Off-topic: no key point, next to nothing in common with the model answer, and not even the
  // question's own words (a paraphrase of a right answer usually keeps those).
  if (made === 0 && named === 0 && recall < 0.1 && cosine < 0.1 && !(ref.features.question ?? 0)) {
    flags.push('off_topic');
    checks.push({ name: 'on-topic', pass: false, score: overlap, reason: 'makes none of the key points and shares almost nothing with the model answer' });
  }

  const curated = rubric.status === 'curated';
  const wKeyPoints = curated ? 0.75 : 0.15;
  let raw = wKeyPoints * coverage + (1 - wKeyPoints) * similarity - penalty;
  // Trusted key points bound the rest: an answer that makes none stays low; one that is also off
  // topic gets next to nothing. A list of buzzwords earns at most a little for its terms.
  if (curated && flags.includes('off_topic')) raw = Math.min(raw, 0.05);
  else if (curated && made === 0) raw = Math.min(raw, 0.3);
  if (flags.includes('buzzwords')) raw = Math.min(raw, 0.2);
  const score = Math.round(Math.max(0, Math.min(1, raw)) * 100) / 10;

  checks.unshift(
    { name: 'key-points', pass: coverage >= 0.5, score: coverage, reason: `makes ${made} of ${keyPoints.length} key points (${Math.round(coverage * 100)}% of the weight)` },
    { name: 'model-answer', pass: similarity >= 0.3, score: similarity, reason: `similarity to the model answer ${similarity.toFixed(2)}` },
  );
  if (misconceptions.length) {
    checks.push({ name: 'misconceptions', pass: false, score: Math.max(0, 1 - penalty), reason: `states ${misconceptions.length} misconception(s)` });
  }
  return { score, coverage, similarity, keyPoints, misconceptions, checks, flags };
}
