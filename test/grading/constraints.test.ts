import { describe, expect, it } from 'vitest';
import { checkConstraints, parseForbidden } from '../../src/grading/constraints.ts';

const noInternalApi = parseForbidden(['int', 'float', 'eval']);
const noExtend = parseForbidden(['.extend']);
const rules = (r: Awaited<ReturnType<typeof checkConstraints>>) => r.violations.map((v) => `${v.rule}:${v.name}@${v.line}`);

describe('parseForbidden', () => {
  it('reads calls, methods and imports', () => {
    expect(parseForbidden(['int', 'eval()', '.extend', 'import os', 'import:subprocess'])).toEqual({ calls: ['int', 'eval'], methods: ['extend'], imports: ['os', 'subprocess'] });
  });
});

describe('Python constraints, on the syntax tree', () => {
  it('passes code that only mentions the names in comments, strings and type hints', async () => {
    const code = [
      'def to_int(s: str) -> int:',
      '    # int() is not used here; neither is eval',
      '    note = "int(x) and .extend() appear only in this string"',
      '    ans = 0',
      '    for c in s:',
      '        ans = ans * 10 + ord(c) - ord("0")',
      '    return ans if not isinstance(s, int) else s',
    ].join('\n');
    expect(rules(await checkConstraints('python', code, noInternalApi))).toEqual([]);
    expect(rules(await checkConstraints('python', code, noExtend))).toEqual([]);
  });

  it('finds forbidden calls, aliases, builtins access and eval', async () => {
    const code = ['def f(s):', '    g = int', '    a = int(s)', '    b = __builtins__.float(s)', '    return eval(s) + g(s)'].join('\n');
    expect(rules(await checkConstraints('python', code, noInternalApi))).toEqual(['call:int@2', 'call:int@3', 'call:float@4', 'call:eval@5']);
  });

  it('finds a forbidden method however it is reached', async () => {
    const code = ['def merge(a, b):', '    r = []', '    r.extend(a)', '    getattr(r, "extend")(b)', '    return r'].join('\n');
    expect(rules(await checkConstraints('python', code, noExtend))).toEqual(['method:extend@3', 'method:extend@4']);
  });

  it('finds forbidden imports, also through __import__ and importlib', async () => {
    const code = ['import os.path', 'from subprocess import run', 'x = __import__("os")', 'import importlib', 'y = importlib.import_module("subprocess")'].join('\n');
    expect(rules(await checkConstraints('python', code, parseForbidden(['import os', 'import subprocess'])))).toEqual(['import:os.path@1', 'import:subprocess@2', 'import:os@3', 'import:subprocess@5']);
  });

  it('reports a syntax error with its line instead of guessing', async () => {
    const r = await checkConstraints('python', 'def f(:\n    pass', noInternalApi);
    expect(r.syntaxError).toEqual({ line: 1, message: 'invalid syntax' });
  });

  it('has nothing to check without rules', async () => {
    expect(await checkConstraints('python', 'int(1)', parseForbidden([]))).toEqual({ violations: [] });
  });
});

describe('JavaScript constraints, on the syntax tree', () => {
  it('finds calls, computed methods and requires, not words in comments or strings', async () => {
    const code = [
      '// parseInt is not used here',
      'const s = "parseInt and .concat in a string";',
      'const os = require("os");',
      'const g = parseInt;',
      'function f(x) { return [].concat([x]) + x["concat"](1) + eval("1"); }',
    ].join('\n');
    expect(rules(await checkConstraints('javascript', code, parseForbidden(['parseInt', 'eval', '.concat', 'import os'])))).toEqual([
      'import:os@3',
      'call:parseInt@4',
      'method:concat@5',
      'call:eval@5',
    ]);
  });

  it('reports a syntax error with its line', async () => {
    const r = await checkConstraints('javascript', 'const ok = 1;\nlet x = ;', parseForbidden(['eval']));
    expect(r.syntaxError?.line).toBe(2);
  });
});
