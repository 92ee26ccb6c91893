// Code in the documents: guessing a block's language (fence tags are often wrong or missing),
// telling indented code from indented prose, and comparing code variants.
import { hasCjk } from './markdown.ts';

const ALIASES: Record<string, string> = {
  py: 'python', python3: 'python', js: 'javascript', node: 'javascript', ts: 'typescript',
  sh: 'bash', shell: 'bash', zsh: 'bash', console: 'bash', yml: 'yaml', golang: 'go',
  sol: 'solidity', mysql: 'sql', text: 'text', plain: 'text', plaintext: 'text', txt: 'text',
};

export function normalizeLang(tag: string | undefined): string | undefined {
  const t = (tag ?? '').trim().toLowerCase().replace(/^\{?\.?/, '').replace(/\}$/, '');
  if (!t) return undefined;
  return ALIASES[t] ?? t;
}

// Each rule looks for lines only that language writes; the first confident one wins.
//
// Every rule stays inside one line: indentation is [ \t]*, never \s* (under /m, ^\s* crossed
// the blank lines after every line start, quadratic in a block of blank lines), and no two
// unbounded runs may claim the same characters (func f(…)…{ and def f(…) -> …: tried every ")"
// against the rest of the line; a 1 MB line of ")" took minutes).
const RULES: Array<[string, RegExp[]]> = [
  ['solidity', [/^[ \t]*pragma solidity/m, /^[ \t]*contract\s+\w+\s*(is\s+[\w, ]+)?\{/m]],
  ['go', [/^[ \t]*func[ \t]+(\(\w+ \*?\w+\)[ \t]*)?\w+\(.*\)[^)\n]*\{[ \t]*$/m, /^package\s+\w+\s*$/m]],
  ['java', [/\b(public|private|protected)\s+(static\s+)?(class|void|int|boolean|String)\b/]],
  ['python', [
    /^[ \t]*def[ \t]+\w+[ \t]*\(.*\)[ \t]*(->[^:)\n]+)?:[ \t]*(#.*)?$/m,
    /^[ \t]*class[ \t]+\w+(\(.*\))?[ \t]*:[ \t]*$/m,
    /^[ \t]*(import[ \t]+[\w.]+|from[ \t]+[\w.]+[ \t]+import[ \t]+)/m,
    /^[ \t]*print\(/m,
    /^[ \t]*(if|for|while|with|elif|else|try|except)\b.*:[ \t]*(#.*)?$/m,
  ]],
  ['javascript', [/\b(function\s+\w+\s*\(|const\s+\w+\s*=|let\s+\w+\s*=|console\.log\()/]],
  ['sql', [/^[ \t]*(SELECT|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|GRANT|REVOKE|CREATE\s+(TABLE|USER|INDEX)|FLUSH\s+PRIVILEGES)\b/im]],
  ['yaml', [/^[ \t]*apiVersion:\s*\S+/m, /^[ \t]*kind:\s*\w+/m]],
];

/** The language a block's content shows, or undefined when it shows none clearly. */
export function detectLang(source: string): string | undefined {
  for (const [lang, patterns] of RULES) {
    if (patterns.some((p) => p.test(source))) return lang;
  }
  if (/^[ \t]*(ZADD|ZRANGE|ZREVRANGE|ZRANGEBYSCORE|HSET|LPUSH|SETNX)\s/m.test(source)) return 'redis';
  return undefined;
}

/** Resolve a fence's tag against its content; `mismatch` is set when the tag was wrong. */
export function resolveLang(tag: string | undefined, source: string): { lang: string; mismatch?: string } {
  const declared = normalizeLang(tag);
  const detected = detectLang(source);
  if (!declared) return { lang: detected ?? 'text' };
  if (detected && detected !== declared && !(declared === 'bash' && detected === 'redis')) {
    return { lang: detected, mismatch: declared };
  }
  return { lang: declared };
}

const COMMENT = /^\s*(#|\/\/|--\s|\/\*|\*)/;

/** True when every non-blank line is a comment: a placeholder, not a code variant. */
export function isPlaceholder(source: string): boolean {
  const lines = source.split('\n').filter((l) => l.trim() !== '');
  return lines.length === 0 || lines.every((l) => COMMENT.test(l));
}

/** Code compared for "same variant": comments and white space do not count. */
export function codeFingerprint(source: string): string {
  return source
    .split('\n')
    .filter((l) => !COMMENT.test(l))
    // A trailing comment goes; the white space before it goes with all the rest. (/\s+#.*$/
    // retried a long run of spaces from each of its spaces.)
    .map((l) => l.replace(/\s#.*$/, '').replace(/\s+/g, ''))
    .join('');
}

// An indented line that reads as code: a statement, a call, a keyword line, an output line.
const CODE_LINE = [
  /^(import|from)\s+[\w.]+/,
  /^(def|class|return|if|elif|else|for|while|with|try|except|finally|raise|yield|async|await|print)\b/,
  /^[\w.[\]'"]+\s*(=|\+=|-=)\s*\S/,
  /^[\w.]+\(.*\)\s*(#.*)?$/,
  /^[A-Z]{3,}(\s+[A-Z]+)*\s+[\w*'"`]/, // SQL and Redis commands: GRANT ..., ZADD key ...
  /^\d+\)\s+"/, // redis-cli output: 1) "user1"
  /^[\])}]+[;,]?$/,
  /^\.\.\.$/,
];

export function isCodeLine(line: string): boolean {
  const t = line.trim();
  if (t === '') return false;
  if (/^#\s/.test(t) || /^\/\/\s/.test(t)) return true; // a comment, possibly Chinese
  if (hasCjk(t.replace(/(['"]).*?\1/g, '').replace(/#.*$/, ''))) return false;
  return CODE_LINE.some((p) => p.test(t));
}
