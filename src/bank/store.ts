// The bank as the server holds it: validated once at start, then looked up and filtered in memory
// (a few hundred questions; no database needed for reads).
import { readFileSync } from 'node:fs';
import { BankSchema, type Bank, type Question } from './bank.ts';
import { TOPICS, type Difficulty, type Kind, type Topic } from './classify.ts';

export interface BankFilter {
  q?: string;
  topics?: Topic[];
  kinds?: Kind[];
  difficulties?: Difficulty[];
}

/** Text compared in search: width-folded, lower case, no white space (Chinese has none anyway). */
function fold(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/\s+/g, '');
}

export class BankStore {
  readonly questions: readonly Question[];
  private byId = new Map<string, Question>();
  private haystack = new Map<string, string>();

  constructor(bank: Bank) {
    this.questions = bank.questions;
    for (const q of bank.questions) {
      this.byId.set(q.id, q);
      this.haystack.set(q.id, fold([q.title, q.prompt, ...q.alt_titles].join('\n')));
    }
  }

  static load(path: string): BankStore {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new Error(`cannot read the question bank at ${path}: ${(e as Error).message}. Run \`npm run bank:build\`.`);
    }
    const parsed = BankSchema.safeParse(raw);
    if (!parsed.success) {
      const first = parsed.error.issues[0]!;
      throw new Error(`${path}: ${first.path.join('.')}: ${first.message}. Rebuild it with \`npm run bank:build\`.`);
    }
    return new BankStore(parsed.data);
  }

  get(id: string): Question | undefined {
    return this.byId.get(id);
  }

  /** Every search term must occur in the title, prompt or another wording of the question. */
  filter(f: BankFilter): Question[] {
    const terms = (f.q ?? '').split(/\s+/).map(fold).filter(Boolean);
    return this.questions.filter(
      (q) =>
        (!f.topics?.length || f.topics.some((t) => q.topics.includes(t))) &&
        (!f.kinds?.length || f.kinds.includes(q.kind)) &&
        (!f.difficulties?.length || f.difficulties.includes(q.difficulty)) &&
        terms.every((t) => this.haystack.get(q.id)!.includes(t)),
    );
  }

  /** Topics in the bank with how many questions each has, most first. */
  topicCounts(): Array<{ topic: Topic; count: number }> {
    const counts = new Map<Topic, number>();
    for (const q of this.questions) for (const t of q.topics) counts.set(t, (counts.get(t) ?? 0) + 1);
    return (Object.keys(TOPICS) as Topic[])
      .filter((t) => counts.has(t))
      .map((topic) => ({ topic, count: counts.get(topic)! }))
      .sort((a, b) => b.count - a.count);
  }
}
