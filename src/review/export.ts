// A transcript as data to take away: JSON (everything, for scripts and archives; the same shape
// the review API returns) and Markdown (for people). In Markdown, whatever a candidate or a
// reviewer typed is put in code fences or escaped, so an export opened in any Markdown viewer
// shows their words as text and never runs them as HTML.
import { TOPICS } from '../bank/classify.ts';
import type { Grade } from '../grading/types.ts';
import { rubricHash } from '../rubrics/schema.ts';
import type { HumanView, NoteView, OverrideView } from './annotations.ts';
import { testInputs, type SignalRow, type Transcript, type TranscriptTurn } from './transcript.ts';
import { REVIEW_TEXTS, type ReviewTexts } from '../../views/review-i18n.ts';
import type { Lang } from '../../views/i18n.ts';

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
const round1 = (x: number) => Math.round(x * 10) / 10;

function aiGradeJson(t: TranscriptTurn) {
  const g = t.grade;
  if (!g) return null;
  const r = t.ai;
  if (!r) return { status: g.status, ...(g.error ? { error: g.error } : {}) };
  return {
    status: g.status,
    score: r.score,
    max: r.max,
    grader: r.grader,
    model: r.model ?? null,
    prompt_version: r.promptVersion ?? null,
    rubric_hash: r.rubricHash,
    deterministic_score: r.deterministicScore,
    ...(r.judgeScore !== undefined ? { judge_score: r.judgeScore } : {}),
    flags: r.flags,
    key_points: r.keyPoints.map((k) => ({ id: k.id, point: k.point, weight: k.weight, status: k.status, evidence: k.evidence ?? null, by: k.by })),
    misconceptions: r.misconceptions.map((m) => ({ id: m.id, claim: m.claim, correction: m.correction, evidence: m.evidence })),
    checks: r.checks,
    // Reviewers see every test, hidden ones included.
    ...(r.code ? { code: r.code } : {}),
    feedback: r.feedback,
    follow_up: r.followUp ?? null,
    graded_at: iso(g.updatedAt),
  };
}

function humanJson(h: HumanView | undefined) {
  if (!h) return null;
  return {
    score: h.score,
    max: h.max,
    total_overridden: !!h.scoreOverride,
    // A key point changed after the total was set: the total does not follow on its own.
    total_stale: h.totalStale,
    key_points: h.keyPoints.map((k) => ({ id: k.id, status: k.status, ai_status: k.ai, ...(k.override ? { override_id: k.override.id } : {}) })),
  };
}

const overrideJson = (o: OverrideView) => ({
  id: o.id,
  grade_id: o.gradeId,
  key_point_id: o.keyPointId,
  status: o.status,
  score: o.score,
  previous: o.previous,
  reason: o.reason,
  author: { id: o.authorId, name: o.authorName },
  at: iso(o.createdAt),
});
const noteJson = (n: NoteView) => ({ id: n.id, text: n.text, author: { id: n.authorId, name: n.authorName }, at: iso(n.createdAt) });
const signalJson = (s: SignalRow) => ({ turn_id: s.turnId, kind: s.kind, ...(s.chars !== null ? { chars: s.chars } : {}), at: iso(s.at) });

function regradeJson(t: TranscriptTurn) {
  if (!t.regrade) return null;
  const { row, diff } = t.regrade;
  const r = row.status === 'done' ? (row.result as unknown as Grade | null) : null;
  return {
    grade_id: row.id,
    status: row.status,
    score: row.score,
    max: row.maxScore,
    grader: row.grader,
    model: row.model,
    rubric_hash: row.rubricHash,
    requested_at: iso(row.createdAt),
    ...(diff.scoreDelta !== undefined ? { score_delta: diff.scoreDelta } : {}),
    rubric_changed: diff.rubricChanged,
    changed_key_points: diff.keyPoints,
    ...(r ? { key_points: r.keyPoints.map((k) => ({ id: k.id, point: k.point, status: k.status })) } : {}),
  };
}

function rubricJson(t: TranscriptTurn) {
  const r = t.rubric;
  if (!r) return null;
  return {
    // Today's rubric: compare with ai_grade.rubric_hash to see whether the grade was made with it.
    hash: rubricHash(r),
    status: r.status,
    model_answer: r.model_answer,
    key_points: r.key_points.map((k) => ({ id: k.id, point: k.point, point_en: k.point_en ?? null, weight: k.weight })),
    misconceptions: r.misconceptions.map((m) => ({ id: m.id, claim: m.claim, correction: m.correction, penalty: m.penalty })),
    hints: r.hints,
    follow_ups: r.follow_ups,
    corrections: r.corrections,
    ...(r.coding
      ? { coding: { language: r.coding.language, entry: r.coding.entry, signature: r.coding.signature, tests: r.coding.tests, constraints: r.coding.constraints, reference_solution: r.coding.reference_solution } }
      : {}),
  };
}

/** Everything about one interview: the AI grade, the human one, notes, overrides, signals, rubrics. */
export function transcriptJson(tr: Transcript) {
  const s = tr.session;
  return {
    session: {
      id: s.id,
      candidate: s.candidate,
      profile: s.profile,
      mode: s.mode,
      status: s.status,
      lang: s.lang,
      created_at: iso(s.createdAt),
      finished_at: iso(s.finishedAt),
      interviewer: tr.interviewer ?? null,
      settings: s.settings,
      overall: round1(tr.overall),
      by_topic: tr.byTopic.map((x) => ({ topic: x.topic, score: round1(x.score), questions: x.n })),
    },
    signals: [...tr.sessionSignals, ...tr.turns.flatMap((t) => t.signals)].sort((a, b) => a.at - b.at).map(signalJson),
    turns: tr.turns.map((t) => ({
      id: t.turn.id,
      seq: t.turn.seq,
      position: t.position,
      follow_up_of: t.turn.followUpOf,
      status: t.turn.status,
      question: t.turn.question,
      answer: t.turn.answer,
      language: t.turn.language,
      hints_used: t.turn.hintsUsed,
      hints: t.hints,
      asked_at: iso(t.turn.askedAt),
      answered_at: iso(t.turn.answeredAt),
      time_taken_ms: t.turn.timeTakenMs,
      ai_grade: aiGradeJson(t),
      human_grade: humanJson(t.human),
      overrides: t.overrides.map(overrideJson),
      notes: t.notes.map(noteJson),
      signals: t.signals.map(signalJson),
      regrade: regradeJson(t),
      rubric: rubricJson(t),
    })),
  };
}

// ---- Markdown

/** A fence longer than any run of backticks in the text, so the text cannot close it. */
export function fenced(text: string, lang = ''): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang.replace(/[^\w+#.-]/g, '')}\n${text.replace(/\n+$/, '')}\n${fence}`;
}

/** Inline code that its text cannot close (CommonMark: a longer backtick run, padded). */
function fencedInline(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks} ${text.replace(/\n/g, ' ')} ${ticks}`;
}

/** One line of someone's text as Markdown text: HTML and Markdown punctuation escaped, on one line. */
export function inline(text: string): string {
  return text
    .replace(/\s*\n\s*/g, ' ')
    .replace(/[\\`*_[\]|~>]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;');
}

const when = (ms: number) => {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
};

function statusWord(t: ReviewTexts, s: string | null | undefined): string {
  return s ? (t.status[s] ?? s) : '—';
}

function turnMarkdown(t: TranscriptTurn, tx: ReviewTexts, depth: number): string[] {
  const out: string[] = [];
  const h = (n: number) => '#'.repeat(n + depth);
  const q = t.turn.question;
  out.push(t.turn.followUpOf ? `${h(2)} ${t.position}. ${tx.followUp}: ${inline(q.title)}` : `${h(1)} ${t.position}. ${inline(q.title)}`, '');
  out.push(`**${tx.question}**`, '', fenced(q.prompt), '');
  out.push(`**${tx.answer}**${t.turn.language ? ` (${inline(t.turn.language)})` : ''}`, '');
  out.push(t.turn.answer !== null ? fenced(t.turn.answer, t.isCode ? (t.turn.language ?? '') : '') : `_${tx.noAnswer}_`, '');
  if (t.turn.hintsUsed) out.push(`${tx.hintsUsed(t.turn.hintsUsed)}: ${t.hints.map(inline).join(' / ')}`, '');
  if (t.ai && t.human) {
    const g = t.ai;
    out.push(`**${tx.aiGrade}**: ${g.score} / ${g.max} · ${g.grader}${g.model ? ` (${inline(g.model)})` : ''} · rubric ${g.rubricHash}${g.flags.length ? ` · ${g.flags.join(', ')}` : ''}`);
    out.push(`**${tx.humanGrade}**: ${t.human.score} / ${t.human.max}${t.human.scoreOverride ? ` (${tx.totalOverridden})` : ''}${t.human.totalStale ? ` — ${tx.totalStale}` : ''}`, '');
    if (t.human.keyPoints.length) {
      out.push(`| ${tx.keyPoint} | ${tx.weight} | AI | ${tx.human} | ${tx.evidence} |`, '|---|---|---|---|---|');
      for (const k of t.human.keyPoints) {
        const ev = g.keyPoints.find((x) => x.id === k.id)?.evidence;
        out.push(`| ${inline(k.point)} | ${k.weight} | ${statusWord(tx, k.ai)} | ${statusWord(tx, k.status)}${k.override ? ` (${inline(k.override.authorName)})` : ''} | ${ev ? inline(ev) : ''} |`);
      }
      out.push('');
    }
    if (g.misconceptions.length) {
      out.push(`**${tx.misconceptions}**`, '');
      for (const m of g.misconceptions) out.push(`- ${inline(m.evidence)} → ${inline(m.correction)}`);
      out.push('');
    }
    if (g.code) {
      out.push(`**${tx.tests}**: ${g.code.passed}/${g.code.total}${g.code.notRun ? ` — ${inline(g.code.notRun)}` : ''}`, '');
      const inputs = testInputs(t);
      for (const x of g.code.tests) {
        const io = inputs.get(x.index);
        const shown = io ? `${JSON.stringify(io.args)} → ${JSON.stringify(io.expected)}` : '';
        out.push(`- ${x.index + 1}${x.hidden ? ` (${tx.hidden})` : ''}: ${x.verdict}${shown ? ` · ${fencedInline(shown)}` : ''}`);
      }
      out.push('');
    }
  } else if (t.grade) {
    out.push(`**${tx.aiGrade}**: ${statusWord(tx, t.grade.status)}`, '');
  }
  if (t.overrides.length) {
    out.push(`**${tx.overrides}**`, '');
    for (const o of t.overrides) {
      const point = t.ai?.keyPoints.find((k) => k.id === o.keyPointId)?.point ?? o.keyPointId ?? '';
      const what = o.keyPointId ? `${inline(point)}: ${statusWord(tx, o.previous)} → ${statusWord(tx, o.status)}` : `${tx.total}: ${o.previous} → ${o.score}`;
      out.push(`- ${when(o.createdAt)} ${inline(o.authorName)} — ${what} — ${inline(o.reason)}`);
    }
    out.push('');
  }
  if (t.notes.length) {
    out.push(`**${tx.notes}**`, '');
    for (const n of t.notes) out.push(`- ${when(n.createdAt)} ${inline(n.authorName)}:`, '', fenced(n.text), '');
  }
  if (t.signals.length) {
    out.push(`**${tx.signals}**: ${t.signals.map((s) => `${when(s.at)} ${tx.signalKind[s.kind] ?? s.kind}${s.chars !== null ? ` (${s.chars})` : ''}`).join('; ')}`, '');
  }
  if (t.regrade) {
    const d = t.regrade.diff;
    out.push(
      `**${tx.regrade}**: ${statusWord(tx, d.status)}${d.scoreDelta !== undefined ? ` · ${d.original.score} → ${d.regrade.score} (${d.scoreDelta >= 0 ? '+' : ''}${d.scoreDelta})` : ''} · rubric ${d.original.rubricHash ?? '—'} → ${d.regrade.rubricHash ?? '—'}`,
    );
    for (const k of d.keyPoints) out.push(`- ${inline(k.point)}: ${statusWord(tx, k.before)} → ${statusWord(tx, k.after)}`);
    out.push('');
  }
  if (t.rubric && !t.turn.followUpOf) out.push(`**${tx.modelAnswer}**`, '', t.rubric.model_answer, '');
  return out;
}

/** One interview as Markdown; `depth` 1 when it is a section of a longer document. */
export function transcriptMarkdown(tr: Transcript, lang: Lang, depth = 0): string {
  const tx = REVIEW_TEXTS[lang];
  const s = tr.session;
  const who = s.candidate ?? s.profile ?? '—';
  const out = [
    `${'#'.repeat(1 + depth)} ${tx.transcriptOf} ${inline(who)} · ${when(s.createdAt)}`,
    '',
    `- ${tx.session}: \`${s.id}\``,
    `- ${tx.mode}: ${tx.modes[s.mode] ?? s.mode} · ${tx.sessionStatus[s.status] ?? s.status}`,
    ...(tr.interviewer ? [`- ${tx.interviewer}: ${inline(tr.interviewer.name)}`] : []),
    `- ${tx.score}: ${tr.overall.toFixed(1)} / 10`,
    ...tr.byTopic.map((x) => `  - ${TOPICS[x.topic][lang]}: ${x.score.toFixed(1)}`),
    ...(tr.sessionSignals.length ? [`- ${tx.signals}: ${tr.sessionSignals.map((x) => `${when(x.at)} ${tx.signalKind[x.kind] ?? x.kind}`).join('; ')}`] : []),
    '',
  ];
  for (const t of tr.turns) out.push(...turnMarkdown(t, tx, depth + 1));
  return out.join('\n');
}

/** Several interviews in one document, separated by rules; `limit` says the set was cut there. */
export function transcriptsMarkdown(list: Transcript[], lang: Lang, limit?: number): string {
  const tx = REVIEW_TEXTS[lang];
  const head = `# ${tx.exportTitle} (${list.length})\n\n${limit ? `${tx.exportTruncated(limit)}\n\n` : ''}`;
  return head + list.map((tr) => transcriptMarkdown(tr, lang, 1)).join('\n\n---\n\n') + '\n';
}
