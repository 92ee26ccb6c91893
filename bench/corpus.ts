// A synthetic corpus for scaling benchmarks, made by repeating and perturbing the real units.
import { buildBank, type DocumentInput } from '../src/bank/bank.ts';
import { readSources } from '../src/bank/build.ts';

// Deterministic pseudo-random numbers, so every run builds the same corpus.
function rng(seed: number) {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}

/**
 * `n` units as markdown documents of at most 1,000 units each, made from the real units:
 * - every unit's title is perturbed the way documents differ (numbering, width, punctuation,
 *   fillers, a dropped or doubled character), and its answer loses some lines;
 * - a third of them are turned into new questions by setting them in a context with a
 *   random name ("在「某某」项目中……"), so the number of distinct questions grows with the corpus.
 */
export function syntheticCorpus(n: number): DocumentInput[] {
  const { docs } = readSources('questions/sources');
  const units = buildBank(docs).units;
  const rand = rng(42);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const hanzi = () => String.fromCharCode(0x4e00 + Math.floor(rand() * 0x5000));
  const lines: string[][] = [];
  for (let i = 0; i < n; i++) {
    if (i % 1000 === 0) lines.push([]);
    const u = pick(units);
    let title = u.title;
    if (rand() < 1 / 3) title = `在「${hanzi()}${hanzi()}」项目中，${title}`;
    const p = rand();
    if (p < 0.15) title = `请问${title}`;
    else if (p < 0.3) title = title.replace(/？/g, '?').replace(/，/g, ', ');
    else if (p < 0.45) title = title.replace(/[A-Za-z0-9]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
    else if (p < 0.55) title = `**${title}**`;
    else if (p < 0.65) {
      // A typo: one character dropped or doubled.
      const at = Math.floor(rand() * title.length);
      title = rand() < 0.5 ? title.slice(0, at) + title.slice(at + 1) : title.slice(0, at + 1) + title.slice(at);
    }
    // Drop some prose paragraphs; code blocks stay whole so the fences stay balanced.
    const answer = u.answer.split('\n\n').filter((para) => para.includes('```') || rand() < 0.8).join('\n\n');
    lines.at(-1)!.push(`#### ${(i % 1000) + 1}. ${title || '空'}`, '', answer || '答案略。', '');
  }
  return lines.map((l, i) => ({ name: `synthetic-${String(i).padStart(4, '0')}.md`, bytes: new TextEncoder().encode(l.join('\n')) }));
}

