// Where a JSON text stops being JSON, said so that a person editing a rubric can fix it: the
// line and column, the field it was in, and what was expected there.
//
// JSON.parse is not enough for that. For the commonest slips (an unquoted value, a trailing comma,
// a missing comma) V8's message carries no position and quotes the whole file instead, newlines
// and all. So when JSON.parse fails, the text is read again here, by the JSON grammar, to find
// the first place it breaks. Only failed files are read twice; a good file costs nothing.
import { fieldPath } from './schema.ts';

export interface JsonSyntaxError {
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
  /** The field being read, as `key_points[0].weight`; "(file)" at the top level. */
  field: string;
  message: string;
}

const MAX_DEPTH = 256;

class Stop {
  constructor(
    readonly at: number,
    readonly message: string,
  ) {}
}

/** The first syntax error in `text`, or undefined when it is valid JSON. */
export function findJsonError(text: string): JsonSyntaxError | undefined {
  const path: Array<string | number> = [];
  let i = 0;

  const fail = (message: string, at = i): never => {
    throw new Stop(at, message);
  };
  const char = (at = i) => {
    if (at >= text.length) return 'the end of the file';
    const c = text.codePointAt(at)!;
    return c < 0x20 ? `U+${c.toString(16).padStart(4, '0').toUpperCase()}` : `'${String.fromCodePoint(c)}'`;
  };
  const word = () => /[A-Za-z_$][\w$]*/y;
  const wordAt = (at: number) => {
    const w = word();
    w.lastIndex = at;
    return w.exec(text)?.[0];
  };

  const space = () => {
    for (;;) {
      const c = text[i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
      else if (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) fail('JSON has no comments; remove it');
      else return;
    }
  };

  const value = (): void => {
    space();
    if (i >= text.length) fail(path.length ? 'the file ends where a value should be' : 'the file is empty');
    const c = text[i]!;
    if (c === '{') return object();
    if (c === '[') return array();
    if (c === '"') return string();
    if (c === '-' || (c >= '0' && c <= '9')) return number();
    if (c === "'") fail('strings need double quotes, not single quotes');
    const w = wordAt(i);
    if (w === 'true' || w === 'false' || w === 'null') {
      i += w.length;
      return;
    }
    if (w && /^(true|false|null)$/i.test(w)) fail(`JSON writes ${w.toLowerCase()} in lower case, not ${w}`);
    if (w === 'NaN' || w === 'Infinity' || w === 'undefined') fail(`JSON has no ${w}; use a number or null`);
    if (w) fail(`expected a value but found ${w}; text needs double quotes ("${w}")`);
    fail(`expected a value (a string, number, true, false, null, object or array) but found ${char()}`);
  };

  const enter = () => {
    if (path.length >= MAX_DEPTH) fail(`nested more than ${MAX_DEPTH} levels deep`);
  };

  const object = () => {
    enter();
    i++; // {
    space();
    if (text[i] === '}') return void i++;
    let comma = -1;
    for (;;) {
      space();
      if (text[i] === '}' && comma >= 0) fail(`trailing comma: the ',' at ${position(text, comma)} is followed by '}'; remove it`);
      if (text[i] !== '"') {
        const w = wordAt(i);
        if (w) fail(`property names need double quotes ("${w}")`);
        if (i >= text.length) fail("the file ends inside an object (a '}' is missing)");
        fail(`expected a property name in double quotes but found ${char()}`);
      }
      const start = i;
      string();
      const key = JSON.parse(text.slice(start, i)) as string;
      space();
      if (text[i] !== ':') fail(`expected ':' after "${key}" but found ${char()}`);
      i++;
      path.push(key);
      value();
      path.pop();
      space();
      if (text[i] === ',') {
        comma = i++;
        continue;
      }
      if (text[i] === '}') return void i++;
      if (i >= text.length) fail("the file ends inside an object (a '}' is missing)");
      fail(`expected ',' or '}' after the value of "${key}" but found ${char()}`);
    }
  };

  const array = () => {
    enter();
    i++; // [
    space();
    if (text[i] === ']') return void i++;
    let comma = -1;
    for (let index = 0; ; index++) {
      space();
      if (text[i] === ']' && comma >= 0) fail(`trailing comma: the ',' at ${position(text, comma)} is followed by ']'; remove it`);
      path.push(index);
      value();
      path.pop();
      space();
      if (text[i] === ',') {
        comma = i++;
        continue;
      }
      if (text[i] === ']') return void i++;
      if (i >= text.length) fail("the file ends inside a list (a ']' is missing)");
      fail(`expected ',' or ']' after item ${index} but found ${char()}`);
    }
  };

  const string = () => {
    const start = i++;
    for (;;) {
      if (i >= text.length) fail('this string is never closed (its closing " is missing)', start);
      const c = text.charCodeAt(i);
      if (c === 0x22) return void i++;
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('\\u needs four hex digits');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i += 2;
        } else {
          fail(`bad escape \\${e ?? ''} in a string (write \\\\ for a backslash)`);
        }
        continue;
      }
      if (c === 0x0a || c === 0x0d) fail('a string cannot run over a line break; write \\n inside it');
      if (c < 0x20) fail(`a string cannot hold the control character U+${c.toString(16).padStart(4, '0').toUpperCase()}; escape it`);
      i++;
    }
  };

  const number = () => {
    const n = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    n.lastIndex = i;
    const m = n.exec(text);
    const token = /[-+\w.]+/y;
    token.lastIndex = i;
    const whole = token.exec(text)?.[0] ?? text[i]!;
    if (!m || m[0].length !== whole.length) fail(`${whole} is not a JSON number (no leading zeros, + signs or bare dots; digits on both sides of a '.')`);
    i += m![0].length;
  };

  try {
    value();
    space();
    if (i < text.length) fail(`unexpected ${char()} after the end of the JSON value (one value per file)`);
    return undefined;
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    const { line, column } = lineColumn(text, e.at);
    return { line, column, field: fieldPath(path), message: e.message };
  }
}

function lineColumn(text: string, at: number): { line: number; column: number } {
  const before = text.slice(0, at);
  const lineStart = Math.max(before.lastIndexOf('\n'), before.lastIndexOf('\r')) + 1;
  const line = before.split(/\r\n|\r|\n/).length;
  // Characters, not UTF-16 units: an editor counts 中 or 😀 as one column.
  return { line, column: [...before.slice(lineStart)].length + 1 };
}

function position(text: string, at: number): string {
  const { line, column } = lineColumn(text, at);
  return `line ${line}, column ${column}`;
}
