// npm run bank:build [-- --sources DIR --out FILE --report FILE]
//
// Reads every document in questions/sources/, writes questions/bank.json, prints a summary.
// A document that cannot be read is reported by name; the others still build, and the exit
// code is 1 so CI notices.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BankSchema, buildBank, MAX_DOCUMENT_BYTES, serializeBank, type Bank, type BuildResult, type DocumentInput } from './bank.ts';
import { DocumentError } from './bank.ts';

export function readSources(dir: string): { docs: DocumentInput[]; errors: DocumentError[] } {
  const docs: DocumentInput[] = [];
  const errors: DocumentError[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    const stat = statSync(path);
    if (!stat.isFile()) continue;
    // Refuse an oversized file before reading it into memory.
    if (stat.size > MAX_DOCUMENT_BYTES) {
      errors.push(new DocumentError(name, `too large (${stat.size} bytes; the limit is ${MAX_DOCUMENT_BYTES} bytes, 10 MB)`));
      continue;
    }
    docs.push({ name, bytes: readFileSync(path) });
  }
  return { docs, errors };
}

export function readPrevious(path: string): Bank | undefined {
  if (!existsSync(path)) return undefined;
  const parsed = BankSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  return parsed.success ? parsed.data : undefined;
}

/** Markdown for a reviewer: every merged group with its sources and the wording at each. */
export function reviewReport(result: BuildResult): string {
  const out = ['# Question bank: merged duplicates', ''];
  const merged = result.groups
    .map((g, i) => ({ g, q: result.bank.questions[i]! }))
    .filter(({ g }) => g.length > 1)
    .sort((a, b) => b.g.length - a.g.length || a.g[0]! - b.g[0]!);
  out.push(`${result.units.length} units -> ${result.bank.questions.length} questions; ${merged.length} groups merged.`, '');
  for (const { g, q } of merged) {
    out.push(`## ${q.title} (\`${q.id}\`, ${g.length} sources)`, '');
    for (const i of g) {
      const u = result.units[i]!;
      out.push(`- ${u.doc}:${u.line} — ${u.title}`);
    }
    out.push('');
  }
  return out.join('\n');
}

export function summary(result: BuildResult, top = 10): string {
  const lines: string[] = ['', 'Units per document:'];
  for (const [doc, n] of Object.entries(result.unitsPerDoc)) lines.push(`  ${doc}: ${n}`);
  lines.push(`Units: ${result.units.length}  ->  questions after dedup: ${result.bank.questions.length}`);
  const largest = result.groups
    .map((g, i) => ({ n: g.length, q: result.bank.questions[i]! }))
    .filter((x) => x.n > 1)
    .sort((a, b) => b.n - a.n)
    .slice(0, top);
  if (largest.length) {
    lines.push('Largest duplicate groups:');
    for (const { n, q } of largest) lines.push(`  ${String(n).padStart(3)} × ${q.title}`);
  }
  if (result.warnings.length) {
    lines.push(`Warnings (${result.warnings.length}):`);
    for (const w of result.warnings) lines.push(`  ${w.doc}:${w.line}: ${w.message}`);
  }
  if (result.errors.length) {
    lines.push(`Errors (${result.errors.length}) — these documents were not built:`);
    for (const e of result.errors) lines.push(`  ${e.message}`);
  }
  return lines.join('\n');
}

/** A progress bar on a terminal, plain lines otherwise (CI logs, pipes). */
function progress(stream: NodeJS.WriteStream) {
  return (done: number, total: number, doc: string) => {
    if (stream.isTTY) {
      const width = 24;
      const filled = Math.round((done / total) * width);
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${doc.slice(0, 40).padEnd(40)}`);
      if (done === total) stream.write('\n');
    } else {
      stream.write(`parsed ${done}/${total}: ${doc}\n`);
    }
  };
}

function main() {
  const { values } = parseArgs({
    options: {
      sources: { type: 'string', default: 'questions/sources' },
      out: { type: 'string', default: 'questions/bank.json' },
      report: { type: 'string' },
    },
  });
  const started = performance.now();
  const { docs, errors } = readSources(values.sources!);
  const result = buildBank(docs, { previous: readPrevious(values.out!), onProgress: progress(process.stderr) });
  result.errors.unshift(...errors);
  writeFileSync(values.out!, serializeBank(result.bank));
  if (values.report) writeFileSync(values.report, reviewReport(result));
  process.stdout.write(summary(result) + '\n');
  process.stdout.write(`Wrote ${values.out} in ${Math.round(performance.now() - started)} ms${values.report ? `; report in ${values.report}` : ''}\n`);
  if (result.errors.length) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}`) main();
