// Constraints on code ("不使用内部API": no int()/float()/eval(); "不使用extend": no .extend()),
// checked on the syntax tree, not by substring: `# int() is not used` in a comment or the word
// "extend" in a string break no rule; `f = int; f(s)` and getattr(l, "extend") do.
// Python is parsed by Python's own ast module in a short-lived process that never runs the code;
// JavaScript by acorn, in process (parsing only).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as acorn from 'acorn';
import * as walk from 'acorn-walk';

export interface Forbidden {
  calls: string[];
  imports: string[];
  methods: string[];
}

export interface Violation {
  rule: 'call' | 'import' | 'method';
  name: string;
  line: number;
  message: string;
}

export interface ConstraintResult {
  violations: Violation[];
  /** The code does not parse; nothing else could be checked. */
  syntaxError?: { line: number; message: string };
}

/**
 * The batch format's list: "int" forbids calling int, ".extend" the method extend,
 * "import:os" (or "import os") importing os.
 */
export function parseForbidden(list: string[]): Forbidden {
  const f: Forbidden = { calls: [], imports: [], methods: [] };
  for (const raw of list) {
    const item = raw.trim().replace(/\(\)$/, '');
    if (!item) continue;
    const imp = /^import[:\s]+(.+)$/.exec(item);
    if (imp) f.imports.push(imp[1]!.trim());
    else if (item.startsWith('.')) f.methods.push(item.slice(1));
    else f.calls.push(item);
  }
  return f;
}

function message(v: Omit<Violation, 'message'>): string {
  if (v.rule === 'call') return `line ${v.line}: uses ${v.name}(), which the task forbids`;
  if (v.rule === 'method') return `line ${v.line}: uses .${v.name}(), which the task forbids`;
  return `line ${v.line}: imports ${v.name}, which the task forbids`;
}

const PY_CHECKER = readFileSync(fileURLToPath(new URL('./constraints.py', import.meta.url)), 'utf8');
const PYTHON = '/usr/bin/python3';

function checkPython(code: string, f: Forbidden, timeoutMs: number): Promise<ConstraintResult> {
  return new Promise((resolve) => {
    // A clean environment and a timer: the code is only parsed, but parsing hostile input should
    // still not hold a worker or see our secrets.
    const child = spawn(PYTHON, ['-I', '-S', '-c', PY_CHECKER], { env: {}, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString().slice(0, 2000)));
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ violations: [], syntaxError: { line: 0, message: `cannot check constraints: ${e.message}` } });
    });
    child.on('close', () => {
      clearTimeout(timer);
      try {
        const r = JSON.parse(out) as { violations?: Array<Omit<Violation, 'message'>>; syntax_error?: { line: number; message: string } };
        if (r.syntax_error) resolve({ violations: [], syntaxError: r.syntax_error });
        else resolve({ violations: (r.violations ?? []).map((v) => ({ ...v, message: message(v) })) });
      } catch {
        resolve({ violations: [], syntaxError: { line: 0, message: `could not parse the code${err ? `: ${err.trim().split('\n').at(-1)}` : ' in time'}` } });
      }
    });
    child.stdin.end(JSON.stringify({ code, ...f }));
  });
}

function checkJavaScript(code: string, f: Forbidden): ConstraintResult {
  let ast: acorn.Node;
  try {
    ast = acorn.parse(code, { ecmaVersion: 'latest', sourceType: 'module', locations: true, allowHashBang: true });
  } catch (e) {
    const err = e as Error & { loc?: { line: number } };
    return { violations: [], syntaxError: { line: err.loc?.line ?? 0, message: err.message } };
  }
  const found: Violation[] = [];
  const add = (rule: Violation['rule'], name: string, node: acorn.Node) => {
    const v = { rule, name, line: node.loc?.start.line ?? 0 };
    found.push({ ...v, message: message(v) });
  };
  const calls = new Set(f.calls);
  const methods = new Set(f.methods);
  const imports = new Set(f.imports);
  const checkImport = (module: unknown, node: acorn.Node) => {
    if (typeof module === 'string' && (imports.has(module) || imports.has(module.replace(/^node:/, '')))) add('import', module, node);
  };
  walk.full(ast, (node) => {
    const n = node as acorn.Node & Record<string, any>;
    if (n.type === 'Identifier' && calls.has(n.name)) add('call', n.name, n);
    if (n.type === 'MemberExpression') {
      const name = n.computed ? (n.property.type === 'Literal' ? n.property.value : undefined) : n.property.name;
      if (typeof name === 'string' && methods.has(name)) add('method', name, n);
    }
    if (n.type === 'ImportDeclaration' || n.type === 'ImportExpression') checkImport(n.source?.value, n);
    if (n.type === 'CallExpression' && n.callee.type === 'Identifier' && n.callee.name === 'require') checkImport(n.arguments[0]?.value, n);
  });
  // A property key named like a forbidden call ({ parseInt: 1 }) is not a use of it.
  return { violations: found.filter((v, i) => found.findIndex((w) => w.rule === v.rule && w.name === v.name && w.line === v.line) === i) };
}

export async function checkConstraints(language: string, code: string, f: Forbidden, timeoutMs = 3000): Promise<ConstraintResult> {
  if (f.calls.length + f.imports.length + f.methods.length === 0) return { violations: [] };
  if (language === 'python') return checkPython(code, f, timeoutMs);
  if (language === 'javascript') return checkJavaScript(code, f);
  return { violations: [] };
}
