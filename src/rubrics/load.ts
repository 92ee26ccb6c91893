// rubrics/*.json -> validated rubrics, or `file: field: message` problems. Loading never throws
// for a bad file: the server grades the questions it can and says which rubric is broken.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { findJsonError } from './json-error.ts';
import { describeIssues, fieldPath, RubricSchema, type Rubric } from './schema.ts';

export interface RubricProblem {
  file: string;
  field: string;
  message: string;
}

export function formatProblem(p: RubricProblem): string {
  return `${p.file}: ${p.field}: ${p.message}`;
}

/** Parse one rubric file's text; `file` names it in problems. */
export function parseRubric(file: string, text: string): { rubric?: Rubric; problems: RubricProblem[] } {
  // Some editors start a UTF-8 file with a byte order mark; it is not part of the JSON.
  const json = text.replace(/^\uFEFF/, '');
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    const at = findJsonError(json);
    if (!at) return { problems: [{ file, field: '(file)', message: `not valid JSON: ${(e as Error).message.replace(/\s+/g, ' ').slice(0, 200)}` }] };
    return { problems: [{ file, field: at.field, message: `not valid JSON (line ${at.line}), column ${at.column}: ${at.message}` }] };
  }
  const parsed = RubricSchema.safeParse(raw);
  if (!parsed.success) return { problems: rubricIssues(parsed.error, raw).map((i) => ({ file, ...i })) };
  const expected = file.replace(/^.*\//, '').replace(/\.json$/, '');
  if (parsed.data.question_id !== expected) {
    return { problems: [{ file, field: 'question_id', message: `is "${parsed.data.question_id}" but the file is named for "${expected}"` }] };
  }
  return { rubric: parsed.data, problems: [] };
}

/**
 * Schema problems in a rubric author's terms. Beyond describeIssues: a field that is absent says
 * "missing", and an unknown field close to a known one ("key_point", "wieght", "followUps") says
 * which one was meant. When that one is then missing, the typo is the only problem reported: one
 * mistake, one line.
 */
function rubricIssues(error: z.ZodError, raw: unknown): Array<{ field: string; message: string }> {
  const meant = new Map<z.core.$ZodIssue, string[]>();
  const explained = new Set<string>();
  for (const issue of error.issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const known = fieldsAt(RubricSchema, issue.path);
    const guesses = issue.keys.map((k) => nearest(k, known) ?? '');
    meant.set(issue, guesses);
    for (const g of guesses) if (g && valueAt(raw, [...issue.path, g]) === undefined) explained.add(fieldPath([...issue.path, g]));
  }
  const out: Array<{ field: string; message: string }> = [];
  for (const issue of error.issues) {
    const field = fieldPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      const guesses = meant.get(issue)!;
      issue.keys.forEach((k, j) => out.push({ field, message: `unknown field "${k}"${guesses[j] ? ` (did you mean "${guesses[j]}"?)` : ''}` }));
    } else if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && issue.path.length > 0 && valueAt(raw, issue.path) === undefined) {
      if (explained.has(field)) continue;
      const expected =
        issue.code === 'invalid_type' ? `${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}` : `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
      out.push({ field, message: `required, but missing (${expected})` });
    } else {
      out.push(...describeIssues(new z.ZodError([issue])));
    }
  }
  return out;
}

/** The value at a path in parsed JSON; undefined where the path does not lead. */
function valueAt(raw: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v = raw;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** The field names a schema allows at a path (an object's keys), through lists and wrappers. */
function fieldsAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  const bare = (t: z.ZodType): z.ZodType => {
    for (;;) {
      if (t instanceof z.ZodOptional || t instanceof z.ZodDefault || t instanceof z.ZodNullable) t = t.unwrap() as z.ZodType;
      else if (t instanceof z.ZodPipe) t = t.in as z.ZodType;
      else return t;
    }
  };
  let s: z.ZodType | undefined = schema;
  for (const p of path) {
    const b: z.ZodType = bare(s);
    s = typeof p === 'number' ? (b instanceof z.ZodArray ? (b.element as z.ZodType) : undefined) : b instanceof z.ZodObject ? (b.shape[p as string] as z.ZodType | undefined) : undefined;
    if (!s) return [];
  }
  const b = bare(s);
  return b instanceof z.ZodObject ? Object.keys(b.shape) : [];
}

/** The known name a typo most likely meant: same letters up to case and _/-, or 1-2 edits away. */
function nearest(typo: string, known: string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  const t = norm(typo);
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const d = editDistance(t, norm(name));
    if (d <= (t.length >= 5 ? 2 : 1) && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}

/** Edits (insert, delete, replace, swap two neighbours) from a to b. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

export interface LoadedRubrics {
  rubrics: Map<string, Rubric>;
  problems: RubricProblem[];
}

export function loadRubrics(dir: string): LoadedRubrics {
  const rubrics = new Map<string, Rubric>();
  const problems: RubricProblem[] = [];
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return { rubrics, problems: [{ file: dir, field: '(folder)', message: 'cannot read the rubrics folder' }] };
  }
  for (const name of names) {
    const file = join(dir, name);
    const { rubric, problems: p } = parseRubric(file, readFileSync(file, 'utf8'));
    problems.push(...p);
    if (rubric) rubrics.set(rubric.question_id, rubric);
  }
  return { rubrics, problems };
}
