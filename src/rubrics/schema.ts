// One zod schema for rubrics/<question-id>.json. A rubric says what a strong answer makes
// (weighted key points, in the words candidates use in Chinese and English), what loses points
// (misconceptions), how to help (hints) and probe (follow-ups), the corrected model answer, and
// for coding questions the precise task with its tests.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { KINDS } from '../bank/classify.ts';

/** Ways of saying something, by language. Matching folds width and case. */
const Phrasings = z
  .object({
    zh: z.array(z.string().min(1)).default([]),
    en: z.array(z.string().min(1)).default([]),
  })
  .strict();

const Id = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes');

export const KeyPointSchema = z
  .object({
    id: Id,
    /** What a strong answer states, as feedback shows it (Chinese). */
    point: z.string().min(1),
    point_en: z.string().min(1).optional(),
    weight: z.number().positive('weight must be positive'),
    /** Accepted phrasings of the point's core idea (names, terms, short formulations). */
    phrasings: Phrasings,
    /**
     * Words that show the point is explained and not just named (for "SET NX PX": 原子, 过期,
     * atomic, expire). A bare mention without any of them earns half the point at most.
     */
    support: Phrasings.optional(),
  })
  .strict()
  .refine((k) => k.phrasings.zh.length + k.phrasings.en.length > 0, { message: 'a key point needs at least one phrasing', path: ['phrasings'] });

export const MisconceptionSchema = z
  .object({
    id: Id,
    /** The wrong belief, as a reviewer reads it. */
    claim: z.string().min(1),
    phrasings: Phrasings,
    /** Points lost (in key-point weight units) when an answer states it. */
    penalty: z.number().positive('penalty must be positive'),
    /** What is right instead, for feedback. */
    correction: z.string().min(1),
  })
  .strict();

/**
 * A code test. A function test calls the entry point with `args` and compares with `expected`.
 * A class test drives it the LeetCode way: `ops[0]` constructs with `args[0]`, every later op
 * calls that method with its args; `expected` lists each op's result (null for the constructor).
 */
export const CodeTestSchema = z
  .object({
    name: z.string().optional(),
    ops: z.array(z.string().min(1)).min(1).optional(),
    args: z.array(z.unknown()),
    // Optional here only so a missing one is reported in words (below), not as a type error.
    expected: z.unknown().optional(),
    /** Hidden tests are never shown to the candidate, only counted. */
    hidden: z.boolean().default(false),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (!('expected' in t) || t.expected === undefined) ctx.addIssue({ code: 'custom', message: 'a test needs an expected value', path: ['expected'] });
    if (t.ops) {
      if (t.args.length !== t.ops.length) ctx.addIssue({ code: 'custom', message: `ops has ${t.ops.length} entries but args has ${t.args.length}`, path: ['args'] });
      if (!Array.isArray(t.expected) || t.expected.length !== t.ops.length) {
        ctx.addIssue({ code: 'custom', message: `expected must list one result per op (${t.ops.length})`, path: ['expected'] });
      }
      t.args.forEach((a, i) => {
        if (!Array.isArray(a)) ctx.addIssue({ code: 'custom', message: 'each op takes a list of arguments', path: ['args', i] });
      });
    }
  })
  // Checked above: every test that parses has an expected value.
  .transform((t) => t as typeof t & { expected: unknown });
export type CodeTest = z.infer<typeof CodeTestSchema>;

export const CodingSchema = z
  .object({
    language: z.enum(['python', 'javascript']),
    /** The function to call, or the class to construct when tests use ops. */
    entry: z.string().regex(/^[A-Za-z_$][\w$]*$/, 'an identifier'),
    /** The signature shown to the candidate, e.g. "def merge(l1: list[int], l2: list[int]) -> list[int]". */
    signature: z.string().min(1),
    tests: z.array(CodeTestSchema).min(1, 'a coding rubric needs tests'),
    constraints: z
      .object({
        /** Calls that are not allowed, by name: "int", "eval", "sorted". */
        forbidden_calls: z.array(z.string().min(1)).default([]),
        /** Modules that may not be imported. */
        forbidden_imports: z.array(z.string().min(1)).default([]),
        /** Methods that may not be called on anything: "extend", "sort". */
        forbidden_methods: z.array(z.string().min(1)).default([]),
        /** Why, in the task's words ("不使用内部API"). */
        note: z.string().optional(),
      })
      .strict()
      .default({ forbidden_calls: [], forbidden_imports: [], forbidden_methods: [] }),
    limits: z
      .object({
        time_ms: z.number().int().positive().max(10_000).default(2000),
        memory_mb: z.number().int().positive().max(1024).default(256),
      })
      .strict()
      .default({ time_ms: 2000, memory_mb: 256 }),
    reference_solution: z.string().min(1),
  })
  .strict();
export type Coding = z.infer<typeof CodingSchema>;

export const CorrectionSchema = z
  .object({
    /** Where the document says it: "003_f1efb83ef02286e6.txt:84". */
    source: z.string().regex(/^[^:\s]+:\d+$/, 'doc:line'),
    says: z.string().min(1),
    correct: z.string().min(1),
  })
  .strict();

export const RubricSchema = z
  .object({
    question_id: z.string().regex(/^q_[0-9a-f]{8,16}$/, 'a bank question id like q_1a2b3c4d'),
    /** draft: written by rubrics:draft from the document's answer, not yet reviewed. */
    status: z.enum(['draft', 'curated']),
    /** Overrides the bank's estimate (e.g. a "coding" question that needs a live Redis is graded as design). */
    kind: z.enum(KINDS).optional(),
    /** The question as put to the candidate, when the bank's wording is not good enough. */
    prompt: z.string().min(1).optional(),
    /** The corrected model answer (markdown), shown after a session ends. */
    model_answer: z.string().min(1),
    key_points: z.array(KeyPointSchema).min(1, 'a rubric needs key points'),
    misconceptions: z.array(MisconceptionSchema).default([]),
    hints: z.array(z.string().min(1)).default([]),
    follow_ups: z.array(z.string().min(1)).default([]),
    corrections: z.array(CorrectionSchema).default([]),
    coding: CodingSchema.optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const ids = new Set<string>();
    for (const [i, k] of r.key_points.entries()) {
      if (ids.has(k.id)) ctx.addIssue({ code: 'custom', message: `duplicate key point id "${k.id}"`, path: ['key_points', i, 'id'] });
      ids.add(k.id);
    }
  });
export type Rubric = z.infer<typeof RubricSchema>;
export type KeyPoint = z.infer<typeof KeyPointSchema>;
export type Misconception = z.infer<typeof MisconceptionSchema>;

/** JSON with keys sorted, so equal rubrics hash equal however the file is laid out. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Recorded on every grade: which rubric, exactly, produced it. */
const hashes = new WeakMap<Rubric, string>();

/** Rubrics are never changed once loaded, so each object's hash is worked out once. */
export function rubricHash(rubric: Rubric): string {
  let h = hashes.get(rubric);
  if (!h) hashes.set(rubric, (h = createHash('sha256').update(canonical(rubric)).digest('hex').slice(0, 16)));
  return h;
}

/** A field as problems name it: `key_points[0].weight`; "(file)" for the whole file. */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '(file)';
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
}

/** `path.to.field: message` lines for a zod error, in the rubric's own field names. */
export function describeIssues(error: z.ZodError): Array<{ field: string; message: string }> {
  return error.issues.map((i) => ({
    field: fieldPath(i.path),
    message: i.code === 'unrecognized_keys' ? `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}` : i.message,
  }));
}
