// rubrics/*.json -> validated rubrics, or `file: field: message` problems. Loading never throws
// for a bad file: the server grades the questions it can and says which rubric is broken.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeIssues, RubricSchema, type Rubric } from './schema.ts';

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
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    // JSON.parse names the position; turn it into a line so an editor can jump there.
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg)?.[1];
    const line = pos === undefined ? undefined : text.slice(0, Number(pos)).split('\n').length;
    return { problems: [{ file, field: '(file)', message: `not valid JSON${line ? ` (line ${line})` : ''}: ${msg}` }] };
  }
  const parsed = RubricSchema.safeParse(raw);
  if (!parsed.success) return { problems: describeIssues(parsed.error).map((i) => ({ file, ...i })) };
  const expected = file.replace(/^.*\//, '').replace(/\.json$/, '');
  if (parsed.data.question_id !== expected) {
    return { problems: [{ file, field: 'question_id', message: `is "${parsed.data.question_id}" but the file is named for "${expected}"` }] };
  }
  return { rubric: parsed.data, problems: [] };
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
