// npm run bench:bank
//
// 1. The five documents build in under 1 s as a whole process (node + tsx + parse + dedup + write).
// 2. Dedup scales: a synthetic corpus made by repeating and perturbing the real units builds with
//    time(100k) / time(10k) <= 12. Both times are printed; the machine is noisy, so each size is
//    measured more than once and the median taken, in the same run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBank, type DocumentInput } from '../src/bank/bank.ts';
import { syntheticCorpus } from './corpus.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function wholeProcess(runs = 5): { build: number; bare: number } {
  const out = join(mkdtempSync(join(tmpdir(), 'mianshi-bench-')), 'bank.json');
  const time = (args: string[]) => {
    const t = performance.now();
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return performance.now() - t;
  };
  const build: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    build.push(time(['--import', 'tsx', 'src/bank/build.ts', '--out', out]));
    bare.push(time(['--import', 'tsx', '-e', '0'])); // baseline: starting node with tsx, doing nothing
  }
  return { build: median(build), bare: median(bare) };
}

function timeBuild(docs: DocumentInput[], runs: number): { ms: number; questions: number } {
  const times: number[] = [];
  let questions = 0;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    questions = buildBank(docs).bank.questions.length;
    times.push(performance.now() - t);
  }
  return { ms: median(times), questions };
}

const whole = wholeProcess();
console.log(`five documents, whole process: ${whole.build.toFixed(0)} ms median of 5 (target < 1000 ms); node+tsx doing nothing: ${whole.bare.toFixed(0)} ms; ratio ${(whole.build / whole.bare).toFixed(2)}`);

const small = syntheticCorpus(10_000);
const large = syntheticCorpus(100_000);
timeBuild(small, 1); // warm up the JIT before measuring
const t10 = timeBuild(small, 5);
const t100 = timeBuild(large, 3);
const ratio = t100.ms / t10.ms;
console.log(`synthetic corpus, parse + dedup + merge: 10k units ${t10.ms.toFixed(0)} ms -> ${t10.questions} questions; 100k units ${t100.ms.toFixed(0)} ms -> ${t100.questions} questions`);
console.log(`time(100k) / time(10k) = ${ratio.toFixed(2)} (target <= 12; 10 would be linear)`);
if (whole.build >= 1000 || ratio > 12) process.exitCode = 1;
