// document -> question units.
//
// One pass marks every line as fenced code or not, then finds the markers that can open a unit
// (headings, bold numbered titles, thematic breaks), decides which open a question and which are
// only document structure, and turns each question's lines into a title, a prompt, a prose
// reference answer and its code blocks. Everything odd is kept as a warning with its line.
import { isCodeLine, isPlaceholder, normalizeLang, resolveLang } from './code.ts';
import { endsCleanly, hasCjk, NUMBERING, removeImages, stripInline, stripNumbering } from './markdown.ts';

export interface CodeBlock {
  lang: string;
  source: string;
}

export interface Unit {
  doc: string;
  /** 1-based line of the unit's title in its document. */
  line: number;
  /** The title as written, numbering and inline markup removed. */
  title: string;
  /** The question put to a candidate: the document's 题目 text, or the title as a question. */
  prompt: string;
  /** Reference answer as markdown prose; code lives in `code`. */
  answer: string;
  code: CodeBlock[];
  /** The document ends inside this unit, mid-sentence or mid-code. */
  truncated: boolean;
}

export interface Warning {
  doc: string;
  line: number;
  message: string;
}

export interface Parsed {
  units: Unit[];
  warnings: Warning[];
}

interface Line {
  n: number; // 1-based
  text: string;
  fence: boolean; // inside a fenced block (fence lines included)
}

type Marker =
  | { kind: 'heading'; n: number; level: number; text: string }
  | { kind: 'bold'; n: number; text: string }
  | { kind: 'break'; n: number };

// Lines arrive with trailing white space trimmed, so these patterns need not match it, and
// must not: a lazy title (.*?) or (.+?) followed by [ \t]*$ or \s*\*\* rescanned a run of
// spaces inside the line at every step (a heading with 1 MB of spaces took minutes). The
// captured title is trimmed instead.
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+([^]*))?$/;
const BOLD_TITLE = /^\*\*\s*(\d{1,3})\s*[.．、]([^]+)\*\*$/;
const BREAK = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})[ \t]*([^`\s]*)[ \t]*$/;

// Headings that organise a document rather than ask anything.
const STRUCTURE = [
  /^(引言|前言|导言|简介|介绍|背景|概述|概要|总结|小结|结语|结论|总结与展望|展望|参考|参考资料|参考文献|附录|目录|案例分析)\s*[:：]?$/,
  /^主题\s*[:：]/,
  /(面试题库|编程题库|题库|典型问题|面试题与答案|答案解析)/,
];

// One run of spaces each side of the optional colon: \s*[:：]?\s* split a long run of spaces
// every possible way before giving up.
const LABEL = /^\*\*([^*\n]{1,12}?)\s*(?:[:：]\s*)?\*\*\s*(?:[:：]\s*)?([^]*)$/;
const PROMPT_LABELS = /^(题目|问题|题干)$/;
const ANSWER_LABELS = /^(答案|解答|参考答案|回答)$/;
const CODE_LABELS = /^(示例代码|代码示例|源代码实例|源代码|代码实现|实现代码|代码)$/;

// Connectives that continue a discussion; a line starting with one is not a new question.
const CONTINUES = /^(那么|所以|因此|但是|然而|下面|以下|其中|例如|比如|总之|另外|此外|同时|如果)/;
const ASKS = /(怎么|怎样|如何|为什么|为何|什么|哪些|哪个|哪种|是否|吗|？|\?)/;

/**
 * The longest title kept. The documents' longest is 44 characters; a longer heading is a
 * paragraph written as one. Its title is cut (with a warning) so that the work done on titles
 * later (the prompt, dedup keys, classification) stays small.
 */
export const MAX_TITLE = 200;

export function parseDocument(doc: string, text: string): Parsed {
  const warnings: Warning[] = [];
  const warn = (line: number, message: string) => warnings.push({ doc, line, message });
  const lines = splitLines(text.replace(/^\uFEFF/, ''), doc, warn);
  const markers = findMarkers(lines);
  const numbered = markers.some(
    (m) => m.kind === 'bold' || (m.kind === 'heading' && NUMBERING.test(m.text) && !/^[一二三四五六七八九十]/.test(m.text)),
  );

  const units: Unit[] = [];
  for (let i = 0; i < markers.length; i++) {
    const m = markers[i]!;
    const end = i + 1 < markers.length ? markers[i + 1]!.n : lines.length + 1;
    const body = lines.slice(m.n, end - 1); // lines after the marker, up to the next one
    const hasBody = body.some((l) => l.text.trim() !== '');
    if (m.kind === 'break') {
      if (hasBody) warn(body.find((l) => l.text.trim())!.n, 'text after a thematic break belongs to no question; ignored');
      continue;
    }
    if (!isQuestion(m, m.text, hasBody, numbered)) continue;
    units.push(...buildUnits(doc, m.n, m.text, body, warn));
  }

  // A document that stops mid-sentence: keep the unit, mark it, say so.
  const last = [...lines].reverse().find((l) => l.text.trim() !== '');
  const unit = units.at(-1);
  if (last && unit && !last.fence && !endsCleanly(last.text) && last.n > unit.line) {
    unit.truncated = true;
    warn(last.n, 'document ends mid-sentence; the last answer is incomplete');
  }
  if (units.length === 0) warn(1, 'no questions found in this document');
  return { units, warnings };
}

function splitLines(text: string, doc: string, warn: (line: number, m: string) => void): Line[] {
  const raw = text.split(/\r\n|\r|\n/);
  // trimEnd, not /\s+$/: the regex retried a long run of spaces inside a line from each space.
  const lines: Line[] = raw.map((t, i) => ({ n: i + 1, text: t.trimEnd(), fence: false }));
  let start = 0;
  // YAML front matter: metadata, not a question.
  if (lines[0]?.text === '---') {
    const close = lines.findIndex((l, i) => i > 0 && (l.text === '---' || l.text === '...'));
    if (close > 0) {
      for (let i = 0; i <= close; i++) lines[i]!.text = '';
      start = close + 1;
    } else {
      warn(1, 'front matter opened with --- is never closed; read as text');
    }
  }
  let open: { char: string; len: number; n: number } | undefined;
  for (let i = start; i < lines.length; i++) {
    const l = lines[i]!;
    const f = FENCE.exec(l.text);
    if (open) {
      l.fence = true;
      if (f && f[1]![0] === open.char && f[1]!.length >= open.len && !f[2]) open = undefined;
    } else if (f) {
      l.fence = true;
      open = { char: f[1]![0]!, len: f[1]!.length, n: l.n };
    }
  }
  if (open) warn(open.n, `code fence opened here is never closed (${doc} ends inside it)`);
  return lines;
}

function findMarkers(lines: Line[]): Marker[] {
  const markers: Marker[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.fence) continue;
    const h = HEADING.exec(l.text);
    if (h) {
      markers.push({ kind: 'heading', n: l.n, level: h[1]!.length, text: stripInline((h[2] ?? '').trimEnd()) });
      continue;
    }
    const b = BOLD_TITLE.exec(l.text);
    if (b) {
      markers.push({ kind: 'bold', n: l.n, text: stripInline(`${b[1]}. ${b[2]!.trim()}`) });
      continue;
    }
    if (BREAK.test(l.text) && (i === 0 || lines[i - 1]!.text.trim() === '')) {
      markers.push({ kind: 'break', n: l.n });
    }
  }
  return markers;
}

function isQuestion(m: Marker, text: string, hasBody: boolean, numbered: boolean): boolean {
  if (m.kind === 'bold') return true;
  if (m.kind === 'heading' && m.level === 1) return false; // a document's title
  if (text === '') return hasBody; // an empty heading over code: a question with an inferred title
  if (/^[一二三四五六七八九十]+\s*[、.．]/.test(text)) return false;
  if (NUMBERING.test(text)) return true;
  if (STRUCTURE.some((p) => p.test(text))) return false;
  if (!hasBody) return false; // a document title or a section header
  // In a document that numbers its questions, un-numbered headings are its sections.
  return !numbered;
}

/** One marker's lines -> one unit, or more when a plain-line question stands inside it. */
function buildUnits(doc: string, n: number, heading: string, body: Line[], warn: (line: number, m: string) => void): Unit[] {
  const splits = findPlainQuestions(body);
  const out: Unit[] = [];
  let titleLine = n;
  let title = heading;
  let from = 0;
  for (const s of [...splits, { index: body.length, text: '' }]) {
    out.push(buildUnit(doc, titleLine, title, body.slice(from, s.index), warn));
    titleLine = body[s.index]?.n ?? 0;
    title = s.text;
    from = s.index + 1;
  }
  return out;
}

/**
 * A question written as a plain line inside another section, with its own answer below it
 * (e.g. "`RabbitMQ`是怎么实现`消费幂等`" inside the RabbitMQ section). It must be short, ask
 * something, stand alone between blank lines, not continue the text before it, and not be the
 * section's first paragraph.
 */
function findPlainQuestions(body: Line[]): Array<{ index: number; text: string }> {
  const found: Array<{ index: number; text: string }> = [];
  // Found once: asking "is there text after this line?" with body.slice(i + 1) per candidate
  // copied the rest of the section each time, quadratic in a section of many such lines.
  const lastText = body.findLastIndex((l) => l.text.trim() !== '');
  let seenParagraph = false;
  for (let i = 0; i < body.length; i++) {
    const l = body[i]!;
    const t = l.text;
    if (l.fence || t.trim() === '') continue;
    const standalone =
      /^\S/.test(t) &&
      !/^([-*+>|#!]|\d+[.、)]|\*\*)/.test(t) &&
      (body[i - 1]?.text.trim() ?? '') === '' &&
      (body[i + 1]?.text.trim() ?? '') === '';
    const plain = stripInline(t);
    if (
      seenParagraph &&
      standalone &&
      plain.length <= 40 &&
      hasCjk(plain) &&
      ASKS.test(plain) &&
      !CONTINUES.test(plain) &&
      !/[。：:，,；;]$/.test(plain) &&
      i < lastText
    ) {
      found.push({ index: i, text: plain });
    }
    seenParagraph = true;
  }
  return found;
}

function buildUnit(doc: string, line: number, heading: string, body: Line[], warn: (line: number, m: string) => void): Unit {
  const promptLines: string[] = [];
  const answerLines: Line[] = [];
  let inPrompt = false;
  for (const l of body) {
    const label = l.fence ? null : LABEL.exec(l.text);
    if (label) {
      const name = label[1]!.trim();
      const rest = label[2]!;
      if (PROMPT_LABELS.test(name)) {
        inPrompt = true;
        if (rest) promptLines.push(rest);
        continue;
      }
      inPrompt = false;
      if (ANSWER_LABELS.test(name)) {
        if (rest.trim()) answerLines.push({ ...l, text: rest });
        continue;
      }
      if (CODE_LABELS.test(name) && !rest.trim()) continue;
    }
    if (inPrompt) promptLines.push(l.text);
    else answerLines.push(l);
  }

  const { prose, code } = splitCode(doc, answerLines, warn);
  let title = stripNumbering(heading);
  if (title === '') {
    title = inferTitle(code);
    warn(line, `empty heading; title inferred from its code: "${title}"`);
  }
  if (title.length > MAX_TITLE) {
    warn(line, `heading is ${title.length} characters long; title cut to its first ${MAX_TITLE}`);
    title = cut(title, MAX_TITLE);
  }
  // A 题目 label followed only by what tidying removes (<br>, an image) writes no prompt.
  const written = tidyMarkdown(promptLines.join('\n'));
  return {
    doc,
    line,
    title,
    prompt: written || toQuestion(title),
    answer: prose,
    code,
    truncated: false,
  };
}

/**
 * Collect the answer's code blocks (fenced, or indented without a fence) and write the answer as
 * clean markdown: every code block fenced with its real language, in the place it stood.
 */
function splitCode(doc: string, lines: Line[], warn: (line: number, m: string) => void): { prose: string; code: CodeBlock[] } {
  type Raw = { n: number; tag?: string; src: string; indented: boolean };
  const parts: Array<string | Raw> = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.fence) {
      const body: string[] = [];
      let j = i + 1;
      while (j < lines.length && lines[j]!.fence && !isClosingFence(lines[j]!.text)) body.push(lines[j++]!.text);
      parts.push({ n: l.n, tag: FENCE.exec(l.text)?.[2] || undefined, src: body.join('\n'), indented: false });
      i = j; // skip the closing fence
    } else if (INDENTED.test(l.text) && isCodeLine(l.text)) {
      // Indented, unfenced code: the run of code lines. Blank lines inside it are kept when code
      // follows them; a run of blank lines is looked past once, not once per blank line (that
      // copied the rest of the answer for each one: quadratic).
      let j = i;
      while (j < lines.length && !lines[j]!.fence) {
        let next = j;
        while (next < lines.length && lines[next]!.text.trim() === '') next++;
        const n = lines[next];
        if (!n || n.fence || !INDENTED.test(n.text) || !isCodeLine(n.text)) break;
        j = next + 1;
      }
      parts.push({ n: l.n, src: lines.slice(i, j).map((x) => x.text).join('\n'), indented: true });
      i = j - 1;
    } else {
      parts.push(l.text);
    }
  }

  const code: CodeBlock[] = [];
  // Indented code carries no tag; where its content shows no language, the language of the
  // answer's fenced code is the author's.
  const usual = parts.map((p) => (typeof p === 'string' || p.indented ? undefined : normalizeLang(p.tag))).find(Boolean);
  const prose: string[] = [];
  let buffer: string[] = [];
  const flush = () => {
    prose.push(tidyMarkdown(buffer.join('\n')));
    buffer = [];
  };
  for (const p of parts) {
    if (typeof p === 'string') {
      buffer.push(p);
      continue;
    }
    const source = dedent(p.src).replace(/^\n+/, '').trimEnd();
    if (isPlaceholder(source)) {
      if (source) warn(p.n, 'code block holds only comments (a placeholder); left out');
      continue;
    }
    const resolved = resolveLang(p.tag, source);
    if (resolved.mismatch) warn(p.n, `code block tagged "${resolved.mismatch}" reads as ${resolved.lang}; treated as ${resolved.lang}`);
    const lang = p.indented && resolved.lang === 'text' && usual ? usual : resolved.lang;
    code.push({ lang, source });
    flush();
    prose.push('```' + lang + '\n' + source + '\n```');
  }
  flush();
  return { prose: prose.filter(Boolean).join('\n\n'), code };
}

const INDENTED = /^( {4}|\t)/;

function isClosingFence(text: string): boolean {
  const f = FENCE.exec(text);
  return !!f && !f[2];
}

/**
 * Prose indented four spaces would render as code in markdown; these documents indent prose for
 * layout, so it is de-indented. Images point to the network and are dropped (the service works
 * offline); stray HTML line breaks go too.
 */
export function tidyMarkdown(s: string): string {
  return s
    .split('\n')
    .map((l) => {
      if (/^\s*<br\s*\/?>\s*$/i.test(l)) return '';
      const noImg = removeImages(l);
      if (noImg.trim() === '' && l.trim() !== '') return '';
      return /^( {4,}|\t)/.test(noImg) ? noImg.trim() : noImg.trimEnd();
    })
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function dedent(s: string): string {
  const lines = s.split('\n');
  // A loop, not Math.min(...indents): spreading one argument per line overflowed the call stack
  // (RangeError) on a code block of ~125,000 lines.
  let common = Infinity;
  for (const l of lines) if (l.trim()) common = Math.min(common, /^[ \t]*/.exec(l)![0].length);
  const width = common === Infinity ? 0 : common;
  return lines.map((l) => l.slice(Math.min(width, /^[ \t]*/.exec(l)![0].length))).join('\n');
}

/** The first `max` characters, never half of a surrogate pair. */
function cut(s: string, max: number): string {
  const end = /[\uD800-\uDBFF]/.test(s[max - 1] ?? '') ? max - 1 : max;
  return s.slice(0, end).trimEnd();
}

/** A title for an empty heading, from the code below it. */
function inferTitle(code: CodeBlock[]): string {
  const src = code.map((c) => c.source).join('\n');
  const fn = /^[ \t]*(?:def|function|func)\s+(\w+)/m.exec(src)?.[1];
  const prints = /\bprint\(|console\.log\(/.test(src);
  if (fn && prints) return `下面的代码（${fn}）输出什么？为什么？`;
  if (fn) return `解释下面的代码（${fn}）做了什么`;
  return '下面的代码做了什么？';
}

/**
 * Turn a heading into the question a candidate is asked. Headings here are questions already,
 * statements that introduce an answer ("……如下：", "……有以下几种……："), tasks ("反转数字"), or bare
 * topics ("HDFS"). A curated rubric may still give a better prompt; this is the default.
 */
export function toQuestion(title: string): string {
  const t = title.replace(/\s+/g, ' ').trim().replace(/(?<=[\u3400-\u9fff\s])\?/g, '？');
  if (/[？?]$/.test(t)) return t.replace(/\?$/, '？');
  const s = t.replace(/[。.]$/, '');
  let m: RegExpExecArray | null;
  if (/[：:]$/.test(s)) {
    const head = s.replace(/[：:]$/, '');
    if (/如下$/.test(head)) return head.replace(/如下$/, '是怎样的？');
    if (/以下/.test(head)) return head.replace(/以下(几种|几个)?/, (_m, k?: string) => (k ? '哪' + k : '哪些')) + '？';
    if (/(通常为|通常是|为)$/.test(head)) return head.replace(/(通常为|通常是|为)$/, '通常是怎样的？');
    return /(几个|几种|哪些)/.test(head) ? `${head}有哪些？` : `${head}是怎样的？`;
  }
  if ((m = /^(.*有)([两二三四五六七八九十]|\d+)(大|种|个|类)([^：:]*)[：:]/.exec(s))) return `${m[1]}哪${m[2]}${m[3]}${m[4]}？`;
  if ((m = /^(.{1,30}?和.{1,30}?)\s*(都是|都|，|,).*(区别|不同)/.exec(s))) return `${m[1]}有什么区别？`;
  if (ASKS.test(s)) return `${s}？`;
  if ((m = /^对(.+)的理解$/.exec(s))) return `谈谈你对${m[1]}的理解。`;
  if ((m = /^(.+?)\s*的?(对比|比较)$/.exec(s))) return `请对比${m[1]}。`;
  if (/(区别|差别|不同|异同|关系|联系)$/.test(s)) return `${s}是什么？`;
  if ((m = /^(.{4,}?)是\s*([A-Za-z][\w-]*)$/.exec(s))) return `${m[1]}是什么？`;
  if (/(不会|不能|不可以)/.test(s)) return `为什么${s}？`;
  if (/^(递归|输入|打乱|反转|遍历|实现|编写|写出|找出|合并|给定|判断|统计|计算|排序|删除)|(进行合并|进行排序|转换成)/.test(s)) {
    return `请编写代码：${s}。`;
  }
  if (/^常见的/.test(s) || /场景$/.test(s)) return `${s}有哪些？`;
  if (/(机制|原理|过程|方式|方法|模式|特性|作用|应用)$/.test(s) || s.length <= 16) return `请讲讲${s}。`;
  return `请解释：${s}。`;
}
