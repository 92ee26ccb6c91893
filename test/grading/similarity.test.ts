import { describe, expect, it } from 'vitest';
import {
  clearCaches,
  corpusStats,
  detectLang,
  exampleScore,
  idf,
  isNonAnswer,
  linearFit,
  pearson,
  ranks,
  referenceScore,
  rmse,
  spearman,
  stem,
  terms,
  termSimilarity,
  type GradedExample,
} from '../../src/grading/similarity.ts';

describe('stem (Porter)', () => {
  it('gives the published outputs of Porter 1980', () => {
    const cases: Record<string, string> = {
      caresses: 'caress',
      ponies: 'poni',
      cats: 'cat',
      feed: 'feed',
      agreed: 'agre',
      plastered: 'plaster',
      motoring: 'motor',
      sing: 'sing',
      conflated: 'conflat',
      hopping: 'hop',
      falling: 'fall',
      filing: 'file',
      happy: 'happi',
      relational: 'relat',
      conditional: 'condit',
      digitizer: 'digit',
      vietnamization: 'vietnam',
      hopefulness: 'hope',
      electrical: 'electr',
      replacement: 'replac',
      adoption: 'adopt',
      effective: 'effect',
      controll: 'control',
      generalizations: 'gener',
    };
    for (const [word, expected] of Object.entries(cases)) expect(stem(word), word).toBe(expected);
  });

  it('brings inflected and derived forms of one word together', () => {
    expect(new Set(['declare', 'declared', 'declaring', 'declaration'].map(stem))).toEqual(new Set(['declar']));
    expect(stem('variables')).toBe(stem('variable'));
    expect(stem('pointers')).toBe(stem('pointer'));
  });

  it('leaves short words and non-words alone', () => {
    expect(stem('is')).toBe('is');
    expect(stem('c++')).toBe('c++');
    expect(stem('42')).toBe('42');
  });
});

describe('terms', () => {
  it('strips HTML, lower-cases, drops stop words and stems', () => {
    expect(terms('The Programs<br>begin executing at the MAIN function.')).toEqual(['program', 'begin', 'execut', 'main', 'function']);
  });

  it('keeps technical tokens whole and words that carry meaning in technical answers', () => {
    expect(terms('C++ runs in O(n log n)')).toEqual(['c++', 'run', 'o(nlogn)']);
    expect(terms('It executes at least once, before the test')).toEqual(['execut', 'least', 'onc', 'befor', 'test']);
    expect(terms("it doesn't")).toEqual(['not']);
  });

  it('treats full-width characters like ASCII (NFKC)', () => {
    expect(terms('ＲＥＤＩＳ　ｃａｃｈｅ')).toEqual(terms('Redis cache'));
  });

  it('segments Chinese into words and drops function words', () => {
    const t = terms('进程和线程的区别是什么？');
    expect(t).toEqual(['进程', '线程', '区别']);
  });

  it('rejoins technical words the Chinese dictionary cuts into single characters', () => {
    // Intl.Segmenter yields 数|组 and 链|表; they must still meet the same words elsewhere.
    const t = terms('HashMap 底层是数组加链表');
    expect(t).toContain('hashmap');
    expect(t).toContain('数组');
    expect(t).toContain('链表');
    expect(terms('死锁')).toEqual(['死锁']);
  });
});

describe('detectLang', () => {
  it('tells Chinese from English, also with English terms inside Chinese', () => {
    expect(detectLang('A pointer holds a memory address.')).toBe('en');
    expect(detectLang('用 Redis 的 SETNX 命令实现分布式锁')).toBe('zh');
    expect(detectLang('The 分布式 lock is implemented with Redis SETNX and an expiry time')).toBe('en');
    expect(detectLang('')).toBe('en');
  });
});

describe('termSimilarity', () => {
  it('forgives misspellings but not different words', () => {
    expect(termSimilarity(stem('address'), stem('adress'))).toBeGreaterThan(0.6);
    expect(termSimilarity(stem('function'), stem('fuction'))).toBeGreaterThan(0.6);
    expect(termSimilarity(stem('constructor'), stem('destructor'))).toBe(0);
    expect(termSimilarity(stem('search'), stem('research'))).toBe(0);
    expect(termSimilarity('int', 'ind')).toBe(0);
    expect(termSimilarity('1', '2')).toBe(0);
  });

  it('matches a Chinese word inside a longer one by its share of characters', () => {
    expect(termSimilarity('分布', '分布式')).toBeCloseTo(2 / 3);
    expect(termSimilarity('线程', '进程')).toBe(0);
  });
});

describe('isNonAnswer', () => {
  it('recognises empty answers and placeholders', () => {
    for (const a of ['', '   ', 'not answered', 'NO ANSWER', "I don't know.", 'i dont know', 'idk', 'N/A', '<br>', '?', '不知道', '我不会'])
      expect(isNonAnswer(a), JSON.stringify(a)).toBe(true);
  });

  it('does not swallow real attempts', () => {
    for (const a of ["I don't know, maybe an address in memory", 'none of the above is true', 'a[i] = *(a+i)', '进程是资源分配的单位'])
      expect(isNonAnswer(a), a).toBe(false);
  });
});

const POINTER_Q = 'What is a pointer?';
const POINTER_REF = 'A variable that contains the address in memory of another variable.';

describe('referenceScore', () => {
  it('scores empty, "not answered" and "I don\'t know" answers 0', () => {
    for (const a of ['', 'not answered', "I don't know", 'NO ANSWER'])
      expect(referenceScore(a, POINTER_REF, POINTER_Q).score, a).toBe(0);
  });

  it('scores a paraphrase above an off-topic answer, and a copy of the reference highest', () => {
    const copy = referenceScore(POINTER_REF, POINTER_REF, POINTER_Q).score;
    const para = referenceScore('It is a variable which stores the memory address of some other variable', POINTER_REF, POINTER_Q).score;
    const offTopic = referenceScore('A loop repeats a block of code while a condition is true', POINTER_REF, POINTER_Q).score;
    expect(copy).toBeGreaterThan(para);
    expect(para).toBeGreaterThan(offTopic + 0.2);
    expect(copy).toBeLessThanOrEqual(1);
    expect(offTopic).toBeGreaterThan(0); // an attempt is not a non-answer
  });

  it('tolerates typos', () => {
    const right = referenceScore('it holds the address of another variable in memory', POINTER_REF, POINTER_Q);
    const typos = referenceScore('it holds the adress of anothr varible in memroy', POINTER_REF, POINTER_Q);
    // None of adress/anothr/varible/memroy is spelt like a reference word: exact matching gives 0.
    expect(typos.features.recall).toBeGreaterThan(0.3);
    expect(typos.score).toBeGreaterThan(referenceScore('it holds the name of a file', POINTER_REF, POINTER_Q).score);
    expect(typos.score).toBeLessThan(right.score);
  });

  it('demotes words that only repeat the question', () => {
    // "pointer" is the question's word: repeating it shows nothing.
    const parrot = referenceScore('A pointer is a pointer.', 'A pointer is a variable holding an address.', POINTER_Q);
    expect(parrot.features.recall).toBe(0);
    // Without the question, the same answer would cover part of the reference.
    expect(referenceScore('A pointer is a pointer.', 'A pointer is a variable holding an address.', '').features.recall).toBeGreaterThan(0);
  });

  it('does not demote when the reference consists of question words only', () => {
    const q = 'Which is faster to index, an array or a linked list?';
    expect(referenceScore('the array', 'An array.', q).features.recall).toBe(1);
    expect(referenceScore('a linked list', 'An array.', q).features.recall).toBe(0);
  });

  it('weights rare reference words above common ones with corpus statistics', () => {
    const stats = corpusStats([
      'A variable stores a value in memory.',
      'A function returns a value.',
      'A variable that contains the address of another variable.',
      'Memory is allocated on the heap.',
    ]);
    expect(idf('address', stats)).toBeGreaterThan(idf('variabl', stats));
    expect(idf('anything', undefined)).toBe(1);
    const ref = 'The address of a variable.';
    const rare = referenceScore('the address', ref, 'What does & give?', stats).features.recall!;
    const common = referenceScore('the variable', ref, 'What does & give?', stats).features.recall!;
    expect(rare).toBeGreaterThan(common);
  });

  it('works for Chinese answers', () => {
    const q = '进程和线程有什么区别？';
    const ref = '进程是资源分配的最小单位，线程是CPU调度的最小单位，同一进程的线程共享内存。';
    const good = referenceScore('线程是CPU调度的基本单位，进程是资源分配的单位，线程之间共享进程的内存', ref, q);
    const off = referenceScore('HashMap底层是数组加链表，链表过长会转成红黑树', ref, q);
    expect(good.features.recall).toBeGreaterThan(0.5);
    expect(off.features.recall).toBe(0);
    expect(good.score).toBeGreaterThan(off.score + 0.2);
    expect(referenceScore('不知道', ref, q).score).toBe(0);
  });

  it('is deterministic and unaffected by its caches', () => {
    const a = referenceScore('stores an address', POINTER_REF, POINTER_Q);
    clearCaches();
    expect(referenceScore('stores an address', POINTER_REF, POINTER_Q)).toEqual(a);
  });

  it('takes well under 5 ms per prose answer', () => {
    const answer =
      'A pointer is a variable whose value is the memory address of another variable; dereferencing it gives that variable, and pointer arithmetic moves it along an array.';
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      referenceScore(`${answer} ${i}`, POINTER_REF, POINTER_Q);
      times.push(performance.now() - t);
    }
    times.sort((x, y) => x - y);
    expect(times[100]!).toBeLessThan(5);
  });
});

describe('exampleScore', () => {
  const q = 'What is the main difference between a while and a do...while statement?';
  const ref = 'The block inside a do...while statement will execute at least once.';
  const examples: GradedExample[] = [
    { answer: 'do while always runs the body at least once', score: 1 },
    { answer: 'the do while loop executes its body at least one time', score: 1 },
    { answer: 'do...while checks the condition after running once', score: 0.9 },
    { answer: 'a do while runs once before testing the condition', score: 1 },
    { answer: 'while loops are faster than do while loops', score: 0.2 },
    { answer: 'a while loop is faster and uses less memory', score: 0.1 },
    { answer: 'the while loop uses less memory than do while', score: 0.2 },
  ];

  it('follows its nearest graded examples', () => {
    const likeGood = exampleScore('it always runs the body at least once', examples, ref, q)!;
    const likeBad = exampleScore('a while loop is faster and uses less memory', examples, ref, q)!;
    expect(likeGood).toBeGreaterThan(0.75);
    expect(likeBad).toBeLessThan(0.4);
  });

  it('learns from the graders what the reference does not say', () => {
    // Neither answer shares a word with the reference, so only the graded neighbours tell them apart.
    const graded: GradedExample[] = [
      { answer: 'the condition is evaluated at the bottom', score: 1 },
      { answer: 'its condition gets evaluated at the bottom of the loop', score: 0.9 },
      { answer: 'condition evaluated at the bottom, after the body', score: 1 },
      { answer: 'the syntax uses braces', score: 0.1 },
      { answer: 'syntax needs braces and a semicolon', score: 0.2 },
      { answer: 'different syntax with braces', score: 0 },
    ];
    const bottom = exampleScore('the condition is evaluated at the bottom', graded, ref, q)!;
    const braces = exampleScore('it has a different syntax using braces', graded, ref, q)!;
    expect(referenceScore('the condition is evaluated at the bottom', ref, q).features.recall).toBe(0);
    expect(referenceScore('it has a different syntax using braces', ref, q).features.recall).toBe(0);
    expect(bottom - braces).toBeGreaterThan(0.2);
  });

  it('gives no prediction from too few examples, and 0 for a non-answer', () => {
    expect(exampleScore('runs once', examples.slice(0, 2), ref, q)).toBeUndefined();
    expect(exampleScore('not answered', examples, ref, q)).toBe(0);
  });

  it('stays within 0..1', () => {
    for (const a of ['x', 'at least once once once', 'memory memory faster']) {
      const s = exampleScore(a, examples, ref, q)!;
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(1);
    }
  });
});

describe('statistics helpers', () => {
  it('pearson on known values', () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(pearson([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])).toBeCloseTo(0.8, 12);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
  });

  it('ranks ties by their average and spearman uses them', () => {
    expect(ranks([10, 20, 20, 5])).toEqual([2, 3.5, 3.5, 1]);
    expect(spearman([1, 2, 2, 3], [1, 3, 2, 4])).toBeCloseTo(0.9486832980505139, 12);
    expect(spearman([1, 2, 3, 4], [1, 4, 9, 16])).toBeCloseTo(1, 12);
  });

  it('linearFit recovers a line and rmse measures the misfit', () => {
    const { intercept, slope } = linearFit([0, 1, 2, 3], [1, 3, 5, 7]);
    expect(slope).toBeCloseTo(2, 12);
    expect(intercept).toBeCloseTo(1, 12);
    expect(linearFit([2, 2, 2], [1, 2, 3])).toEqual({ intercept: 2, slope: 0 });
    expect(rmse([1, 2, 3], [1, 2, 3])).toBe(0);
    expect(rmse([0, 0], [3, 4])).toBeCloseTo(Math.sqrt(12.5), 12);
  });
});
