// documents -> the question bank: parse every document, group the units that ask the same
// question, and merge each group into one question that keeps every source.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { classify, DIFFICULTIES, KINDS, TOPICS, type Topic } from './classify.ts';
import { codeFingerprint } from './code.ts';
import { dedup } from './dedup.ts';
import { questionKey } from './normalize.ts';
import { parseDocument, type Unit, type Warning } from './parse.ts';

export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;

const CodeSchema = z.object({ lang: z.string(), source: z.string() }).strict();

export const QuestionSchema = z
  .object({
    id: z.string().regex(/^q_[0-9a-f]{8,16}$/),
    title: z.string().min(1),
    prompt: z.string().min(1),
    kind: z.enum(KINDS),
    topics: z.array(z.enum(Object.keys(TOPICS) as [Topic, ...Topic[]])).min(1),
    difficulty: z.enum(DIFFICULTIES),
    reference: z
      .object({
        /** The most complete answer among the sources, as markdown (its code fenced in place). */
        text: z.string(),
        /** Every distinct code variant among the sources, the text's own first. */
        code: z.array(CodeSchema),
        /** The source document stops inside this answer. */
        truncated: z.boolean().optional(),
      })
      .strict(),
    sources: z.array(z.object({ doc: z.string(), line: z.number().int().positive() }).strict()).min(1),
    /** Other wordings of the same question in the sources. */
    alt_titles: z.array(z.string()),
  })
  .strict();
export type Question = z.infer<typeof QuestionSchema>;

export const BankSchema = z.object({ questions: z.array(QuestionSchema) }).strict();
export type Bank = z.infer<typeof BankSchema>;

export interface DocumentInput {
  name: string;
  bytes: Uint8Array;
}

/** A document that cannot be read at all: it is reported by name and the others still build. */
export class DocumentError extends Error {
  constructor(
    readonly doc: string,
    message: string,
  ) {
    super(`${doc}: ${message}`);
    this.name = 'DocumentError';
  }
}

/** Bytes -> text, or a DocumentError that says what is wrong with the file. */
export function decodeDocument(doc: DocumentInput): string {
  if (doc.bytes.length > MAX_DOCUMENT_BYTES) {
    throw new DocumentError(doc.name, `too large (${doc.bytes.length} bytes; the limit is ${MAX_DOCUMENT_BYTES} bytes, 10 MB)`);
  }
  if (doc.bytes.length === 0) throw new DocumentError(doc.name, 'empty file');
  const nul = doc.bytes.indexOf(0);
  if (nul >= 0) throw new DocumentError(doc.name, `binary file (NUL byte at offset ${nul}); expected UTF-8 markdown text`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(doc.bytes);
  } catch {
    const line = lineOfInvalidUtf8(doc.bytes);
    throw new DocumentError(doc.name, `not valid UTF-8 (first bad byte on line ${line}); save it as UTF-8`);
  }
  if (text.trim() === '') throw new DocumentError(doc.name, 'empty file (only white space)');
  return text;
}

function lineOfInvalidUtf8(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      try {
        decoder.decode(bytes.subarray(start, i));
      } catch {
        return line;
      }
      line++;
      start = i + 1;
    }
  }
  return line;
}

export interface BuildResult {
  bank: Bank;
  units: Unit[];
  /** Groups of units (indices into `units`) merged into one question, parallel to bank.questions. */
  groups: number[][];
  warnings: Warning[];
  errors: DocumentError[];
  unitsPerDoc: Record<string, number>;
}

export interface BuildOptions {
  /** The bank as last built: its ids are kept for the questions it already had. */
  previous?: Bank;
  onProgress?: (done: number, total: number, doc: string) => void;
}

export function buildBank(docs: DocumentInput[], opts: BuildOptions = {}): BuildResult {
  const ordered = [...docs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const units: Unit[] = [];
  const warnings: Warning[] = [];
  const errors: DocumentError[] = [];
  const unitsPerDoc: Record<string, number> = {};
  ordered.forEach((doc, i) => {
    try {
      const parsed = parseDocument(doc.name, decodeDocument(doc));
      units.push(...parsed.units);
      warnings.push(...parsed.warnings);
      unitsPerDoc[doc.name] = parsed.units.length;
    } catch (e) {
      if (!(e instanceof DocumentError)) throw e;
      errors.push(e);
    }
    opts.onProgress?.(i + 1, ordered.length, doc.name);
  });

  const groups = dedup(units.map((u) => questionKey(u.title)));
  const ids = new IdRegistry(opts.previous);
  const questions = groups.map((g) => mergeGroup(g.map((i) => units[i]!), ids));
  return { bank: { questions }, units, groups, warnings, errors, unitsPerDoc };
}

/** How complete an answer is: its length, halved when the document cut it off. */
function completeness(u: Unit): number {
  return (u.answer.length + u.code.reduce((n, c) => n + c.source.length / 2, 0)) * (u.truncated ? 0.5 : 1);
}

function mergeGroup(members: Unit[], ids: IdRegistry): Question {
  // The member with the most complete answer speaks for the group: title, prompt and answer
  // stay together, so the reference answers the question as it was asked.
  const primary = members.reduce((best, u) => (completeness(u) > completeness(best) ? u : best), members[0]!);
  const code: Question['reference']['code'] = [];
  const seen = new Set<string>();
  for (const u of [primary, ...members.filter((m) => m !== primary)]) {
    for (const c of u.code) {
      const fp = codeFingerprint(c.source);
      if (seen.has(fp)) continue;
      seen.add(fp);
      code.push({ lang: c.lang, source: c.source });
    }
  }
  const { kind, topics, difficulty } = classify({ title: primary.title, prompt: primary.prompt, answer: primary.answer, code });
  const alt = [...new Set(members.map((m) => m.title))].filter((t) => t !== primary.title);
  return {
    id: ids.idFor(members),
    title: primary.title,
    prompt: primary.prompt,
    kind,
    topics,
    difficulty,
    reference: { text: primary.answer, code, ...(primary.truncated ? { truncated: true } : {}) },
    sources: members.map((m) => ({ doc: m.doc, line: m.line })),
    alt_titles: alt,
  };
}

/**
 * Stable ids. A question keeps the id the previous bank gave any of its sources, so adding a
 * document (or improving the dedup rules) never renames a question. A new question's id is a
 * hash of its first source's normalised key, so it does not depend on build order either.
 */
class IdRegistry {
  private bySource = new Map<string, string>();
  private used = new Set<string>();
  private previousIds = new Set<string>();

  constructor(previous?: Bank) {
    for (const q of previous?.questions ?? []) {
      this.previousIds.add(q.id);
      for (const s of q.sources) this.bySource.set(`${s.doc}:${s.line}`, q.id);
    }
  }

  idFor(members: Unit[]): string {
    const kept = members.map((m) => this.bySource.get(`${m.doc}:${m.line}`)).find((id) => id && !this.used.has(id));
    if (kept) {
      this.used.add(kept);
      return kept;
    }
    const first = members[0]!;
    const key = questionKey(first.title);
    const digest = createHash('sha256').update(`${key.intent}|${key.core}|${first.title}`).digest('hex');
    for (let len = 8; len <= 16; len += 2) {
      const id = `q_${digest.slice(0, len)}`;
      if (!this.used.has(id) && !this.previousIds.has(id)) {
        this.used.add(id);
        return id;
      }
    }
    throw new Error(`id collision for "${first.title}"`);
  }
}

/** The bank as committed: stable key order, two-space indent, one trailing newline. */
export function serializeBank(bank: Bank): string {
  return JSON.stringify(bank, null, 2) + '\n';
}
