// The UI speaks Chinese and English. The language comes from ?lang=, then the `lang` cookie,
// then Accept-Language; Chinese when nothing says otherwise.
export const LANGS = ['zh', 'en'] as const;
export type Lang = (typeof LANGS)[number];

const zh = {
  brand: '面试',
  tagline: '模拟面试练习',
  navBank: '题库',
  switchTo: 'English',
  bankTitle: '题库',
  bankIntro: '从面试文档整理、去重后的题目。按主题、题型和难度筛选，或搜索题目文字。',
  search: '搜索题目',
  searchPlaceholder: '例如：分布式锁、TCP、装饰器',
  topics: '主题',
  kinds: '题型',
  difficulty: '难度',
  any: '全部',
  apply: '筛选',
  clear: '清除筛选',
  results: (n: number) => `共 ${n} 题`,
  noResults: '没有符合条件的题目。换个关键词或清除筛选试试。',
  sources: (n: number) => `${n} 处来源`,
  kind: { concept: '概念', design: '设计', coding: '编程' } as Record<string, string>,
  level: { easy: '简单', medium: '中等', hard: '困难' } as Record<string, string>,
  backToBank: '← 返回题库',
  question: '题目',
  referenceAnswer: '参考答案',
  referenceNote: '参考答案整理自源文档，尚未人工校对，可能有误。',
  truncatedNote: '源文档在此处中断，答案不完整。',
  otherCode: '其他来源中的代码',
  sourcesTitle: '来源',
  alsoAskedAs: '其他问法',
  notFound: '找不到这个页面。',
  notFoundQuestion: '题库里没有这道题。',
  serverError: '服务器出错了，请稍后再试。',
  footer: '面试 · 自托管的模拟面试',
};

export type Texts = typeof zh;

const en: Texts = {
  brand: 'mianshi',
  tagline: 'Mock interview practice',
  navBank: 'Question bank',
  switchTo: '中文',
  bankTitle: 'Question bank',
  bankIntro: 'Questions gathered from interview documents, duplicates merged. Filter by topic, kind and difficulty, or search the question text.',
  search: 'Search questions',
  searchPlaceholder: 'e.g. distributed lock, TCP, 装饰器',
  topics: 'Topics',
  kinds: 'Kind',
  difficulty: 'Difficulty',
  any: 'Any',
  apply: 'Filter',
  clear: 'Clear filters',
  results: (n: number) => `${n} question${n === 1 ? '' : 's'}`,
  noResults: 'No questions match. Try other words or clear the filters.',
  sources: (n: number) => `${n} source${n === 1 ? '' : 's'}`,
  kind: { concept: 'Concept', design: 'Design', coding: 'Coding' },
  level: { easy: 'Easy', medium: 'Medium', hard: 'Hard' },
  backToBank: '← Back to the bank',
  question: 'Question',
  referenceAnswer: 'Reference answer',
  referenceNote: 'Taken from the source documents and not yet reviewed; it may contain errors.',
  truncatedNote: 'The source document stops here; this answer is incomplete.',
  otherCode: 'Code from other sources',
  sourcesTitle: 'Sources',
  alsoAskedAs: 'Also asked as',
  notFound: 'There is no such page.',
  notFoundQuestion: 'The bank has no such question.',
  serverError: 'Something went wrong on our side. Please try again.',
  footer: 'mianshi · self-hosted mock interviews',
};

export const TEXTS: Record<Lang, Texts> = { zh, en };

export function pickLang(query: string | undefined, cookie: string | undefined, acceptLanguage: string | undefined): Lang {
  for (const v of [query, cookie]) if (v === 'zh' || v === 'en') return v;
  // Accept-Language: take the first listed language we speak, by quality.
  const wanted = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = Number(params.find((p) => p.trim().startsWith('q='))?.split('=')[1] ?? 1);
      return { tag: (tag ?? '').toLowerCase(), q: Number.isFinite(q) ? q : 0 };
    })
    .filter((x) => x.tag)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of wanted) {
    if (tag.startsWith('zh')) return 'zh';
    if (tag.startsWith('en')) return 'en';
  }
  return 'zh';
}
