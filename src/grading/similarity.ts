// Deterministic (no LLM) scoring of a free-text answer against a reference answer.
//
// Two modes:
//   - referenceScore: from the reference answer and the question alone. It measures how much of
//     the reference's informative (IDF-weighted) content the answer covers, after removing the
//     words that merely repeat the question ("question demoting", Mohler et al. 2011), with fuzzy
//     matching for misspellings; placeholders such as "not answered" score 0.
//   - exampleScore: from human-graded answers to the same question. Similarity-weighted k nearest
//     neighbours over those answers, blended with a per-question linear calibration of
//     referenceScore fitted on the same examples.
//
// bench/mohler.ts measures both on the Mohler/Texas CS short-answer data (Pearson r against the
// mean of two human graders). Every constant below was chosen on assignments 1-6 of that data;
// assignments 7-12 were only used to check, never to choose.
//
// The functions are pure: the result depends on the arguments only. Small bounded memo tables
// (prepared references, answer terms, stems, character trigrams) only avoid repeated work, since
// a service scores many answers against the same reference.

export type Lang = 'en' | 'zh';

// ---------------------------------------------------------------------------------------------
// Text normalisation and tokenisation
// ---------------------------------------------------------------------------------------------

/**
 * NFKC (full-width letters and digits, which Chinese input methods produce, become ASCII), lower
 * case, and removal of what web forms and old data sets leave in answers: HTML tags such as
 * `<br>`, entities, and UTF-8 apostrophes decoded as Latin-1 ("â€™"). None of these are words.
 */
function clean(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/<[^>]{0,200}>/g, ' ')
    .replace(/&(?:nbsp|amp|lt|gt|quot|apos|#\d+);/gi, ' ')
    .replace(/â€™|â€˜|[\u2018\u2019`´]/g, "'")
    .replace(/â€œ|â€\u009d|â€/g, ' ')
    .toLowerCase();
}

// English grammatical words only: articles, pronouns, auxiliaries, conjunctions, common
// prepositions. Words that are "stop words" in general-purpose lists but carry meaning in
// technical answers are kept: order and position ("before", "after", "between", "once",
// "until"), quantity ("all", "each", "only", "more", "same") and negation ("not", "no"). Keeping
// them raised r on assignments 1-6 from 0.555 to 0.568 (sqrt-recall alone), 7-12 moved alike.
const EN_STOP = new Set(
  (
    'a about am an and are as at be because been being but by can could did do does doing etc for from ' +
    'had has have having he her here hers herself him himself his how i ie eg if in into is it its itself ' +
    'just me my myself of on or our ours ourselves she should so some such that the their theirs them ' +
    'themselves then there these they this those through to was we were what when where which who whom ' +
    'why will with would you your yours yourself yourselves also may might must shall us let'
  ).split(' '),
);

// Chinese function words, pronouns and fillers that Intl.Segmenter returns as words.
const ZH_STOP = new Set(
  (
    '的 地 得 了 是 在 和 与 或 及 以及 就 都 而 着 把 被 也 这 那 这个 那个 一个 一些 一种 有 我 你 他 她 它 我们 ' +
    '你们 他们 它们 就是 可以 会 能 要 还 又 但 但是 如果 因为 所以 然后 并 并且 对 对于 从 到 为 为了 等 等等 ' +
    '中 里 个 种 之 其 其中 该 此 吗 呢 吧 啊 嗯 哦 呀 么 什么 怎么 如何 哪些 通过 进行 来 去 ' +
    '比如 例如 即 则 时 时候 以 让 使 给 很 非常 比较 一般 一下 这样 那样 这些 那些 嘛 就是说 的话'
  ).split(' '),
);

const HAN = /\p{Script=Han}/u;
const HAN_G = /\p{Script=Han}/gu;
/** Runs of Han characters vs. everything else: each script gets its own word rules. */
const SCRIPT_RUNS = /(\p{Script=Han}+)|([^\p{Script=Han}]+)/gu;

/**
 * The dominant language of a text: 'zh' when it has at least as many Han characters as Latin
 * words (a Han character carries about a word's meaning; Chinese answers routinely contain
 * English terms such as "Redis" or "HashMap", so a few Latin words must not flip it).
 */
export function detectLang(text: string): Lang {
  const han = text.match(HAN_G)?.length ?? 0;
  if (han === 0) return 'en';
  const latinWords = text.match(/[a-z]+/gi)?.length ?? 0;
  return han >= latinWords ? 'zh' : 'en';
}

/**
 * Latin-script tokens. Contractions are expanded ("don't" -> "do not") and possessives dropped.
 * "c++", "c#" and big-O expressions ("O(n log n)" -> "o(nlogn)") are kept as single words,
 * because splitting them leaves only meaningless single letters.
 */
function latinTokens(s: string): string[] {
  const t = s
    .replace(/\bo\s*\(([^()]{1,20})\)/g, (_, inner: string) => ` o(${inner.replace(/[^a-z0-9^*]/g, '')}) `)
    .replace(/n't\b/g, ' not')
    .replace(/'(?:s|re|ve|ll|d|m)\b/g, ' ');
  return t.match(/o\([a-z0-9^*]+\)|[a-z0-9]+(?:\+\+|#)?/g) ?? [];
}

/** An English content term: not a stop word, not a lone letter, stemmed. */
function enTerm(tok: string): string | undefined {
  if (EN_STOP.has(tok)) return undefined;
  if (tok.length < 2 && !/\d/.test(tok)) return undefined;
  return stem(tok);
}

const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

/**
 * Chinese words of a run of Han characters, appended to out. ICU's dictionary (behind
 * Intl.Segmenter) lacks much technical vocabulary and cuts 线程, 数组, 链表, 死锁 and 缓存 into
 * single characters. So a run of two or more single-character segments, the telltale of an
 * unknown word, is replaced by its overlapping character bigrams (线|程 -> 线程; 红|黑|树 -> 红黑,
 * 黑树), the usual fallback for CJK text retrieval. Stop words break runs and are dropped.
 */
function hanWords(run: string, out: string[]): void {
  let singles: string[] = [];
  const flush = () => {
    if (singles.length === 1) out.push(singles[0]!);
    for (let i = 0; i + 1 < singles.length; i++) out.push(singles[i]! + singles[i + 1]!);
    singles = [];
  };
  for (const seg of segmenter.segment(run)) {
    const w = seg.segment;
    if (!seg.isWordLike || ZH_STOP.has(w)) {
      flush();
    } else if ([...w].length === 1) {
      singles.push(w);
    } else {
      flush();
      out.push(w);
    }
  }
  flush();
}

/**
 * Words of a text for matching: normalised (NFKC, lower case, HTML removed), stop words removed,
 * English words Porter-stemmed, Chinese split into words by Intl.Segmenter('zh') (see hanWords).
 *
 * Mixed text is the normal case in our product (Chinese prose with English technical terms), so
 * the text is cut into runs by script and each run gets its own rules: Han runs are segmented,
 * other runs are tokenised and stemmed as English. So `lang` does not change the result: a
 * Chinese answer's English terms need stemming too, and an English answer's Chinese words need
 * segmenting. The parameter stays so callers can pass the language they detected.
 */
export function terms(text: string, lang?: Lang): string[] {
  void lang; // see above: each script run is handled by its own rules whatever the language
  const out: string[] = [];
  for (const m of clean(text).matchAll(SCRIPT_RUNS)) {
    if (m[1] !== undefined) {
      hanWords(m[1], out);
    } else {
      for (const tok of latinTokens(m[2]!)) {
        const t = enTerm(tok);
        if (t) out.push(t);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Porter stemmer (Porter 1980, with the two common revisions "bli"->"ble" and "logi"->"log").
// Stemming lets "declared", "declaring" and "declaration" meet at one term.
// ---------------------------------------------------------------------------------------------

function isCons(w: string, i: number): boolean {
  const ch = w[i];
  if (ch === 'a' || ch === 'e' || ch === 'i' || ch === 'o' || ch === 'u') return false;
  if (ch === 'y') return i === 0 ? true : !isCons(w, i - 1);
  return true;
}

/** Porter's m: the number of vowel-consonant sequences in w[0..end). */
function measure(w: string, end: number): number {
  let m = 0;
  let i = 0;
  while (i < end && isCons(w, i)) i++;
  while (i < end) {
    while (i < end && !isCons(w, i)) i++;
    if (i >= end) break;
    while (i < end && isCons(w, i)) i++;
    m++;
  }
  return m;
}

function hasVowel(w: string, end: number): boolean {
  for (let i = 0; i < end; i++) if (!isCons(w, i)) return true;
  return false;
}

function doubleCons(w: string, end: number): boolean {
  return end >= 2 && w[end - 1] === w[end - 2] && isCons(w, end - 1);
}

/** Consonant-vowel-consonant ending, the last consonant not w, x or y ("hop", not "snow"). */
function cvc(w: string, end: number): boolean {
  if (end < 3) return false;
  if (!isCons(w, end - 1) || isCons(w, end - 2) || !isCons(w, end - 3)) return false;
  const c = w[end - 1];
  return c !== 'w' && c !== 'x' && c !== 'y';
}

const STEP2: [string, string][] = [
  ['ational', 'ate'], ['tional', 'tion'], ['enci', 'ence'], ['anci', 'ance'], ['izer', 'ize'],
  ['bli', 'ble'], ['alli', 'al'], ['entli', 'ent'], ['eli', 'e'], ['ousli', 'ous'],
  ['ization', 'ize'], ['ation', 'ate'], ['ator', 'ate'], ['alism', 'al'], ['iveness', 'ive'],
  ['fulness', 'ful'], ['ousness', 'ous'], ['aliti', 'al'], ['iviti', 'ive'], ['biliti', 'ble'],
  ['logi', 'log'],
];
const STEP3: [string, string][] = [
  ['icate', 'ic'], ['ative', ''], ['alize', 'al'], ['iciti', 'ic'], ['ical', 'ic'], ['ful', ''], ['ness', ''],
];
const STEP4 = [
  'al', 'ance', 'ence', 'er', 'ic', 'able', 'ible', 'ant', 'ement', 'ment', 'ent', 'ion', 'ou',
  'ism', 'ate', 'iti', 'ous', 'ive', 'ize',
];
// Longest suffix first, as the algorithm requires ("ement" before "ment" before "ent").
const byLength = <T extends string | [string, string]>(xs: T[]) =>
  [...xs].sort((a, b) => (typeof b === 'string' ? b : b[0]).length - (typeof a === 'string' ? a : a[0]).length);
const STEP2_SORTED = byLength(STEP2);
const STEP3_SORTED = byLength(STEP3);
const STEP4_SORTED = byLength(STEP4);

/** Replace the longest matching suffix when the stem before it has measure > minM. */
function replaceSuffix(w: string, rules: [string, string][], minM: number): string {
  for (const [suf, rep] of rules) {
    if (w.endsWith(suf)) {
      const end = w.length - suf.length;
      return measure(w, end) > minM ? w.slice(0, end) + rep : w;
    }
  }
  return w;
}

const stemCache = new Map<string, string>();

/** Porter stem of one lower-case word. Words of 1-2 letters and non-alphabetic tokens are kept. */
export function stem(word: string): string {
  if (word.length <= 2 || !/^[a-z]+$/.test(word)) return word;
  const hit = stemCache.get(word);
  if (hit !== undefined) return hit;
  let w = word;
  // Step 1a: plurals.
  if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('ies')) w = w.slice(0, -2);
  else if (w.endsWith('ss')) { /* keep */ }
  else if (w.endsWith('s')) w = w.slice(0, -1);
  // Step 1b: -ed, -ing.
  let again = false;
  if (w.endsWith('eed')) {
    if (measure(w, w.length - 3) > 0) w = w.slice(0, -1);
  } else if (w.endsWith('ed') && hasVowel(w, w.length - 2)) {
    w = w.slice(0, -2);
    again = true;
  } else if (w.endsWith('ing') && hasVowel(w, w.length - 3)) {
    w = w.slice(0, -3);
    again = true;
  }
  if (again) {
    if (w.endsWith('at') || w.endsWith('bl') || w.endsWith('iz')) w += 'e';
    else if (doubleCons(w, w.length) && !/[lsz]$/.test(w)) w = w.slice(0, -1);
    else if (measure(w, w.length) === 1 && cvc(w, w.length)) w += 'e';
  }
  // Step 1c: y -> i after a vowel-containing stem.
  if (w.endsWith('y') && hasVowel(w, w.length - 1)) w = w.slice(0, -1) + 'i';
  // Steps 2-4: derivational suffixes.
  w = replaceSuffix(w, STEP2_SORTED, 0);
  w = replaceSuffix(w, STEP3_SORTED, 0);
  for (const suf of STEP4_SORTED) {
    if (w.endsWith(suf)) {
      const end = w.length - suf.length;
      if (measure(w, end) > 1 && (suf !== 'ion' || /[st]$/.test(w.slice(0, end)))) w = w.slice(0, end);
      break;
    }
  }
  // Step 5: final -e and -ll.
  if (w.endsWith('e')) {
    const m = measure(w, w.length - 1);
    if (m > 1 || (m === 1 && !cvc(w, w.length - 1))) w = w.slice(0, -1);
  }
  if (w.endsWith('ll') && measure(w, w.length) > 1) w = w.slice(0, -1);
  if (stemCache.size > 50_000) stemCache.clear();
  stemCache.set(word, w);
  return w;
}

// ---------------------------------------------------------------------------------------------
// Corpus statistics
// ---------------------------------------------------------------------------------------------

/** Document frequencies over a small corpus (reference answers and questions), for IDF. */
export interface CorpusStats {
  /** Number of documents. */
  readonly docs: number;
  /** Term -> number of documents containing it. */
  readonly df: ReadonlyMap<string, number>;
}

/** Build document frequencies; each text is one document, each term counted once per document. */
export function corpusStats(texts: string[]): CorpusStats {
  const df = new Map<string, number>();
  for (const t of texts) for (const w of new Set(terms(t))) df.set(w, (df.get(w) ?? 0) + 1);
  return { docs: texts.length, df };
}

/**
 * Inverse document frequency, ln(1 + N / df). Without statistics every word weighs 1. A word in
 * every document still weighs ln 2 rather than 0: with a corpus as small as a question bank, a
 * common word can still be the key one. A word never seen weighs like one seen once: in an answer
 * it is as likely a misspelling as a rare key term, so it gets no extra weight.
 */
export function idf(term: string, stats?: CorpusStats): number {
  if (!stats || stats.docs === 0) return 1;
  return Math.log(1 + stats.docs / Math.max(1, stats.df.get(term) ?? 0));
}

// ---------------------------------------------------------------------------------------------
// Fuzzy word matching
// ---------------------------------------------------------------------------------------------

/**
 * Fuzzy matches need at least this character-trigram Dice and the same first letter (misspellings
 * rarely change the first letter). "adress"/"address", "varible"/"variable", "fuction"/"function"
 * and "recusion"/"recursion" match; "constructor"/"destructor", "prefer"/"refer" and
 * "research"/"search" do not. Fuzzy matching adds about 0.005 r on Mohler: few answers there are
 * misspelt, but it is cheap insurance for answers typed under time pressure.
 */
const FUZZY_MIN = 0.6;
/** Shorter English stems must match exactly: one letter changes a short word ("int"/"ind"). */
const FUZZY_MIN_LENGTH = 4;

/** What termSimilarity needs to know about a term, worked out once per term. */
interface TermFacts {
  han: boolean;
  /** Characters (code points) of a Chinese term; letters of a Latin one. */
  length: number;
  first: string;
  digit: boolean;
  /** Character n-grams, made when first needed. */
  grams?: Set<string>;
}

const factCache = new Map<string, TermFacts>();

function facts(w: string): TermFacts {
  let f = factCache.get(w);
  if (f) return f;
  const han = HAN.test(w);
  f = { han, length: han ? [...w].length : w.length, first: w[0] ?? '', digit: /\d/.test(w) };
  if (factCache.size >= 50_000) factCache.clear();
  factCache.set(w, f);
  return f;
}

/** Character n-grams of a word: padded trigrams for Latin words, bigrams for Chinese words. */
function grams(w: string, f: TermFacts): Set<string> {
  if (f.grams) return f.grams;
  const g = new Set<string>();
  if (f.han) {
    const cs = [...w];
    for (let i = 0; i + 1 < cs.length; i++) g.add(cs[i]! + cs[i + 1]!);
  } else {
    // Two spaces in front and one behind, so the first letters weigh more than the last:
    // misspellings and leftover suffixes are more common at the end of a word.
    const p = `  ${w} `;
    for (let i = 0; i + 3 <= p.length; i++) g.add(p.slice(i, i + 3));
  }
  return (f.grams = g);
}

/** Dice coefficient of two sets: 2|A∩B| / (|A| + |B|). */
function dice(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let n = 0;
  for (const x of small) if (large.has(x)) n++;
  return (2 * n) / (a.size + b.size);
}

/**
 * Similarity of two terms in [0, 1]. Equal terms match fully. A misspelt word still shares most
 * character trigrams with the right one, so a trigram Dice of at least FUZZY_MIN (and the same
 * first letter) counts as a partial match of that strength. Numbers must match exactly ("5" is not "6"). A Chinese word
 * contained in another ("分布" in "分布式") matches by its share of the characters, because the
 * segmenter cuts technical compounds in different ways depending on the context.
 */
export function termSimilarity(a: string, b: string): number {
  return a === b ? 1 : similarFacts(a, facts(a), b, facts(b));
}

function similarFacts(a: string, fa: TermFacts, b: string, fb: TermFacts): number {
  if (fa.han !== fb.han) return 0;
  if (fa.han) {
    if (a.includes(b) || b.includes(a)) return Math.min(fa.length, fb.length) / Math.max(fa.length, fb.length);
  } else if (fa.length < FUZZY_MIN_LENGTH || fb.length < FUZZY_MIN_LENGTH || fa.first !== fb.first || fa.digit || fb.digit) {
    return 0;
  }
  // A two-character Chinese word is its only bigram, and the other word does not contain it.
  if (fa.han && (fa.length < 3 || fb.length < 3)) return 0;
  // Dice is at most 2·min/(|A|+|B|): skip words of very different lengths without counting.
  const ga = grams(a, fa);
  const gb = grams(b, fb);
  if ((2 * Math.min(ga.size, gb.size)) / (ga.size + gb.size) < FUZZY_MIN) return 0;
  const d = dice(ga, gb);
  return d >= FUZZY_MIN ? d : 0;
}

/** Best similarity of term t to any of the candidates (1 at once when it is among them). */
function bestMatch(t: string, cands: readonly string[], candSet: ReadonlySet<string>): number {
  if (candSet.has(t)) return 1;
  const ft = facts(t);
  let best = 0;
  for (const c of cands) {
    const s = similarFacts(t, ft, c, facts(c));
    if (s > best) best = s;
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Reference-only scoring
// ---------------------------------------------------------------------------------------------

/**
 * Placeholders typed instead of an answer. Graders give these 0 whatever else they contain, and
 * a lexical score must not give credit for "I don't know" sharing a word with the reference.
 * Only whole answers match: "I don't know, maybe a pointer" is an attempt and is scored.
 */
const NON_ANSWER = new RegExp(
  '^(?:' +
    [
      '', 'not answered', 'no answer(?: provided| given)?', 'none given', 'n a', 'na', 'idk', 'skip(?:ped)?', 'pass',
      "i (?:really )?(?:do not|don't|dont) know(?: the answer)?(?: sorry)?", "(?:do not|don't|dont) know",
      'no idea', 'i have no idea', "(?:i'm |i am )?not sure", 'no clue', 'unknown',
      '(?:我)?不知道', '(?:我)?不会', '(?:我)?不(?:太)?清楚', '(?:我)?不(?:太)?了解', '(?:我)?不懂', '忘了', '没有答案', '略', '跳过',
    ].join('|') +
    ')$',
);

/** True for an empty answer or a stock "not answered" / "I don't know" placeholder. */
export function isNonAnswer(answer: string): boolean {
  const s = clean(answer)
    .replace(/[^\p{L}\p{N}' ]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return NON_ANSWER.test(s);
}

/**
 * Weights of the reference-only score (they sum to 1). Chosen on Mohler assignments 1-6 among
 * round values; r there is flat (within 0.01) over a wide range of them, so these are not fine-tuned.
 * - answered 0.40: any real attempt earns a large share of the credit. Graders work that way
 *   (on Mohler the mean grade is 4.2 of 5), and it separates the zeros of non-answers.
 * - recall 0.20 and cosine 0.20, each through a square root: coverage of the reference and the
 *   focus of the answer on it matter equally, and covering half of the key content is already a
 *   good answer, hence the concave transform (on its own, sqrt(recall) has r 0.57, recall 0.52).
 * - length 0.15: longer answers show more knowledge (log of the word count, capped at 30 words).
 * - question 0.05: using the question's words at all shows the answer is on topic.
 */
export const REFERENCE_WEIGHTS = Object.freeze({ answered: 0.4, recall: 0.2, cosine: 0.2, length: 0.15, question: 0.05 });

/** Answers with this many content words or more get the full length credit. */
const FULL_LENGTH = 30;

interface PreparedRef {
  /** Reference terms after question demoting (all of them when demoting would leave none). */
  ref: string[];
  /** Distinct reference terms, their IDF weights and the sum of those. */
  refUniq: string[];
  refSet: Set<string>;
  refW: number[];
  refWSum: number;
  /** Terms demoted from answers: the question's terms, or none when demoting was not applied. */
  demote: Set<string>;
  /** The question's distinct terms, for the on-topic feature. */
  questionTerms: string[];
}

const refCache = new Map<string, PreparedRef>();
const answerCache = new Map<string, string[]>();
const statsIds = new WeakMap<CorpusStats, number>();
let nextStatsId = 1;

/** A number per statistics object, so cached references never mix weights of two corpora. */
function statsKey(stats?: CorpusStats): number {
  if (!stats) return 0;
  let id = statsIds.get(stats);
  if (id === undefined) statsIds.set(stats, (id = nextStatsId++));
  return id;
}

/** Tokenise and weight a reference once per (reference, question, statistics). */
function prepareRef(reference: string, question: string, stats?: CorpusStats): PreparedRef {
  const key = `${statsKey(stats)}\u0000${question}\u0000${reference}`;
  const hit = refCache.get(key);
  if (hit) return hit;
  const all = terms(reference);
  const questionTerms = [...new Set(terms(question))];
  const q = new Set(questionTerms);
  // Question demoting: words the question already gives away ("What is a *pointer*?") say
  // nothing about whether the student knows the answer, yet every answer repeats them. Unless
  // the reference is nothing but question words, in which case they are the answer.
  const kept = all.filter((t) => !q.has(t));
  const demoted = kept.length > 0;
  const ref = demoted ? kept : all;
  const refUniq = [...new Set(ref)];
  const refW = refUniq.map((t) => idf(t, stats));
  const p: PreparedRef = {
    ref,
    refUniq,
    refSet: new Set(refUniq),
    refW,
    refWSum: refW.reduce((a, b) => a + b, 0),
    demote: demoted ? q : new Set(),
    questionTerms,
  };
  if (refCache.size >= 512) refCache.clear();
  refCache.set(key, p);
  return p;
}

/** Terms of an answer, memoised: graded examples are scored again for every new answer. */
function answerTerms(answer: string): string[] {
  let t = answerCache.get(answer);
  if (t) return t;
  t = terms(answer);
  if (answerCache.size >= 4096) answerCache.clear();
  answerCache.set(answer, t);
  return t;
}

/** Empty the memo tables (prepared references, answer terms, stems, trigrams); for timing. */
export function clearCaches(): void {
  refCache.clear();
  answerCache.clear();
  stemCache.clear();
  factCache.clear();
}

/**
 * Score an answer 0..1 against a reference answer (and the question, for question demoting).
 * `features` are the named components, for explanations and debugging:
 * - answered: 0 for an empty or placeholder answer (score 0), else 1
 * - recall: IDF-weighted share of the (demoted) reference terms found in the answer, fuzzily
 * - precision: IDF-weighted share of the answer's terms found in the reference (not in the
 *   score: answers are not marked down for saying more, but it helps explain a score)
 * - cosine: IDF-weighted term-frequency cosine with the reference (exact terms)
 * - length: log-scaled count of the answer's content words, 1 at FULL_LENGTH words
 * - question: share of the question's terms the answer uses
 * - words: number of content words in the answer
 */
export function referenceScore(
  answer: string,
  reference: string,
  question: string,
  stats?: CorpusStats,
): { score: number; features: Record<string, number> } {
  if (isNonAnswer(answer)) {
    return { score: 0, features: { answered: 0, recall: 0, precision: 0, cosine: 0, length: 0, question: 0, words: 0 } };
  }
  // Everything else is an attempt, even with no content word left ("a[i] = *(a+i)" is code).
  const all = answerTerms(answer);
  const p = prepareRef(reference, question, stats);
  const ans = p.demote.size ? all.filter((t) => !p.demote.has(t)) : all;
  const ansUniq = [...new Set(ans)];
  const ansSet = new Set(ansUniq);

  let covered = 0;
  for (let i = 0; i < p.refUniq.length; i++) covered += p.refW[i]! * bestMatch(p.refUniq[i]!, ansUniq, ansSet);
  const recall = p.refWSum > 0 ? covered / p.refWSum : 0;

  let relevant = 0;
  let ansWSum = 0;
  for (const t of ansUniq) {
    const w = idf(t, stats);
    ansWSum += w;
    relevant += w * bestMatch(t, p.refUniq, p.refSet);
  }
  const precision = ansWSum > 0 ? relevant / ansWSum : 0;

  const cosine = weightedCosine(ans, p.ref, stats);
  const length = Math.min(1, Math.log1p(all.length) / Math.log1p(FULL_LENGTH));
  let asked = 0;
  if (p.questionTerms.length) {
    const allSet = new Set(all);
    for (const t of p.questionTerms) if (allSet.has(t)) asked++;
  }
  const onTopic = p.questionTerms.length ? asked / p.questionTerms.length : 0;

  const W = REFERENCE_WEIGHTS;
  const score =
    W.answered + W.recall * Math.sqrt(recall) + W.cosine * Math.sqrt(cosine) + W.length * length + W.question * onTopic;
  return {
    score: Math.min(1, Math.max(0, score)),
    features: { answered: 1, recall, precision, cosine, length, question: onTopic, words: all.length },
  };
}

function termFrequencies(ts: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of ts) m.set(t, (m.get(t) ?? 0) + 1);
  return m;
}

/** Cosine similarity of IDF-weighted term-frequency vectors (exact term matches only). */
export function weightedCosine(a: readonly string[], b: readonly string[], stats?: CorpusStats): number {
  const ta = termFrequencies(a);
  const tb = termFrequencies(b);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [t, c] of ta) {
    const w = idf(t, stats);
    na += (c * w) ** 2;
    const d = tb.get(t);
    if (d) dot += c * d * w * w;
  }
  for (const [t, c] of tb) nb += (c * idf(t, stats)) ** 2;
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

// ---------------------------------------------------------------------------------------------
// Scoring from graded examples
// ---------------------------------------------------------------------------------------------

/** A human-graded answer to the same question, its score normalised to 0..1. */
export interface GradedExample {
  answer: string;
  score: number;
}

/** Fewer examples than this give no prediction: a line through two points is a guess. */
export const MIN_EXAMPLES = 3;
/** Neighbours averaged, and the power their similarity is raised to as a weight. A high power
 *  lets a near-identical graded answer decide on its own while a vaguely similar one counts
 *  little (k 3-8 and powers 2-6 were all within 0.01 r on assignments 1-6). */
const NEIGHBOURS = 5;
const SIMILARITY_POWER = 4;
/** Share of the neighbour vote in the blend; the rest is the calibrated reference score. */
const NEIGHBOUR_WEIGHT = 0.5;

/**
 * Similarity of two answers to the same question: IDF-weighted fuzzy overlap, averaged over both
 * directions so it is symmetric, with question words demoted as for the reference.
 */
function answerSimilarity(a: readonly string[], b: readonly string[], stats?: CorpusStats): number {
  if (a.length === 0 || b.length === 0) return 0;
  const ua = [...new Set(a)];
  const ub = [...new Set(b)];
  const sa = new Set(ua);
  const sb = new Set(ub);
  let num = 0;
  let den = 0;
  for (const t of ua) {
    const w = idf(t, stats);
    den += w;
    num += w * bestMatch(t, ub, sb);
  }
  for (const t of ub) {
    const w = idf(t, stats);
    den += w;
    num += w * bestMatch(t, ua, sa);
  }
  return den > 0 ? num / den : 0;
}

/**
 * Predict 0..1 for an answer from human-graded examples of the same question (scores already
 * normalised to 0..1); undefined when there are fewer than MIN_EXAMPLES examples.
 *
 * Two estimates, averaged:
 * - neighbours: the NEIGHBOURS most similar examples vote with their scores, weighted by
 *   similarity^SIMILARITY_POWER. The reference itself joins them as an example scored 1.
 *   Students who answer alike get alike grades, whatever the reference's wording.
 * - calibration: a least-squares line from referenceScore to the human score, fitted on the
 *   examples, applied to this answer. It learns how strict this question's graders are and how
 *   much the reference's wording matters here. The slope is kept >= 0 (a better match with the
 *   reference is never worse) and the result within the range of scores seen.
 * Placeholder answers score 0.
 */
export function exampleScore(
  answer: string,
  examples: GradedExample[],
  reference: string,
  question: string,
  stats?: CorpusStats,
): number | undefined {
  if (examples.length < MIN_EXAMPLES) return undefined;
  if (isNonAnswer(answer)) return 0;
  const p = prepareRef(reference, question, stats);
  const demote = (ts: string[]) => (p.demote.size ? ts.filter((t) => !p.demote.has(t)) : ts);
  const mine = demote(answerTerms(answer));

  const voters = [...examples, { answer: reference, score: 1 }];
  const sims = voters.map((e) => (isNonAnswer(e.answer) ? 0 : answerSimilarity(mine, demote(answerTerms(e.answer)), stats)));
  const nearest = sims
    .map((_, i) => i)
    .sort((i, j) => sims[j]! - sims[i]! || i - j)
    .slice(0, NEIGHBOURS);
  let num = 0;
  let den = 0;
  for (const i of nearest) {
    const w = sims[i]! ** SIMILARITY_POWER + 1e-9;
    num += w * voters[i]!.score;
    den += w;
  }
  const neighbours = num / den;

  const xs = examples.map((e) => referenceScore(e.answer, reference, question, stats).score);
  const ys = examples.map((e) => e.score);
  const { intercept, slope } = linearFit(xs, ys);
  const x = referenceScore(answer, reference, question, stats).score;
  // A flat or negative slope means the reference wording does not predict grades here: use the mean.
  const line = slope > 0 ? intercept + slope * x : mean(ys);
  const calibrated = Math.min(Math.max(...ys), Math.max(Math.min(...ys), line));

  const pred = NEIGHBOUR_WEIGHT * neighbours + (1 - NEIGHBOUR_WEIGHT) * calibrated;
  return Math.min(1, Math.max(0, pred));
}

// ---------------------------------------------------------------------------------------------
// Statistics helpers
// ---------------------------------------------------------------------------------------------

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return xs.length ? s / xs.length : NaN;
}

/** Pearson correlation; NaN when either side has no variance or the lengths differ. */
export function pearson(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length || x.length < 2) return NaN;
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}

/** Ranks starting at 1, ties given their average rank. */
export function ranks(x: readonly number[]): number[] {
  const idx = x.map((_, i) => i).sort((a, b) => x[a]! - x[b]!);
  const r = new Array<number>(x.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && x[idx[j + 1]!] === x[idx[i]!]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[idx[k]!] = avg;
    i = j + 1;
  }
  return r;
}

/** Spearman rank correlation (Pearson of the tie-averaged ranks). */
export function spearman(x: readonly number[], y: readonly number[]): number {
  return pearson(ranks(x), ranks(y));
}

/** Least-squares line y = intercept + slope * x. A constant x gives slope 0 and y's mean. */
export function linearFit(x: readonly number[], y: readonly number[]): { intercept: number; slope: number } {
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return { intercept: my - slope * mx, slope };
}

/** Root mean squared error between two equally long series. */
export function rmse(pred: readonly number[], gold: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < pred.length; i++) s += (pred[i]! - gold[i]!) ** 2;
  return Math.sqrt(s / pred.length);
}

