// The JavaScript harness: runs INSIDE the sandbox as its PID 1, before any candidate code.
//
// run.ts passes this file's text with `node -e`, sends one JSON request on stdin
// ({source, entry, tests: [{args, ops?}], outputBytes}) and reads the answers as JSON lines on
// fd 3, a pipe of its own. Expected outputs are never sent here: this file only reports what the
// candidate's code returned, and Node (outside) compares. The records are the same as
// harness.py's: ready | syntax | load | result | error | done.
'use strict';
const fs = require('node:fs');
const vm = require('node:vm');

const PROTOCOL_FD = 3;
const FILENAME = 'solution.js';
const MAX_DEPTH = 200;
// Kept before candidate code runs: it may replace process.exit or add 'exit' listeners.
const exitNow = process.reallyExit.bind(process);

// Any fd the host leaked past 0-2 (and our fd 3) would be a handle outside the sandbox. run.ts
// already covers them with /dev/null; this is the second layer. Node's own fds are all
// close-on-exec, so an fd without that flag can only have been inherited.
function closeInheritedFds() {
  for (const name of fs.readdirSync('/proc/self/fd')) {
    const fd = Number(name);
    if (fd <= PROTOCOL_FD) continue;
    try {
      const flags = /flags:\s*(\d+)/.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
      const closeOnExec = flags ? (parseInt(flags[1], 8) & 0o2000000) !== 0 : true;
      if (!closeOnExec) fs.closeSync(fd);
    } catch {
      // Already gone (the directory listing's own fd).
    }
  }
}

function send(record) {
  // One synchronous write per line so a run killed later still delivers the tests that finished.
  const data = Buffer.from(JSON.stringify(record) + '\n');
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += fs.writeSync(PROTOCOL_FD, data, offset);
    } catch (error) {
      if (error.code !== 'EAGAIN') throw error;
    }
  }
}

class OutputLimit extends Error {}

// Stands in for stdout and stderr: keeps each test's prints, up to a cap.
const capture = {
  limit: 0,
  parts: [],
  size: 0,
  overflow: false,
  reset() {
    this.parts = [];
    this.size = 0;
    this.overflow = false;
  },
  write(chunk) {
    if (this.overflow) throw new OutputLimit();
    const bytes = Buffer.from(typeof chunk === 'string' ? chunk : String(chunk ?? ''));
    if (this.size + bytes.length > this.limit) {
      this.parts.push(bytes.subarray(0, this.limit - this.size).toString('utf8'));
      this.size = this.limit;
      this.overflow = true;
      throw new OutputLimit();
    }
    this.parts.push(bytes.toString('utf8'));
    this.size += bytes.length;
    return true;
  },
  text() {
    return this.parts.join('');
  },
};

function installCapture() {
  const sink = { write: (chunk) => capture.write(chunk) };
  // ignoreErrors: false makes console.log call write() directly, so the output cap's error
  // reaches the candidate's loop instead of being swallowed.
  globalThis.console = new console.Console({ stdout: sink, stderr: sink, ignoreErrors: false });
  process.stdout.write = sink.write;
  process.stderr.write = sink.write;
}

const tagged = (kind, text) => ({ [kind]: text });

// Turns a returned value into JSON: Sets become sorted arrays, Maps become objects with JSON-text
// keys, NaN and infinities are tagged, undefined becomes null, anything else its description
// (which never equals a JSON expected value).
function encode(value, depth = 0) {
  if (depth > MAX_DEPTH) throw new RangeError('the returned value is nested too deeply (or contains itself)');
  if (value === undefined || value === null) return null;
  switch (typeof value) {
    case 'number':
      if (Number.isNaN(value)) return tagged('__float__', 'nan');
      if (!Number.isFinite(value)) return tagged('__float__', value > 0 ? 'inf' : '-inf');
      return Object.is(value, -0) ? 0 : value;
    case 'string':
    case 'boolean':
      return value;
    case 'bigint':
      return Number.isSafeInteger(Number(value)) ? Number(value) : tagged('__repr__', `${value}n`);
    case 'object':
      break;
    default:
      return tagged('__repr__', String(value).slice(0, 1000));
  }
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return Array.from(value, (item) => encode(item, depth + 1));
  if (value instanceof Set) return sortItems(Array.from(value, (item) => encode(item, depth + 1)));
  if (value instanceof Map) {
    const out = {};
    for (const [key, item] of value) out[encodeKey(key, depth)] = encode(item, depth + 1);
    return out;
  }
  if (value instanceof Date) return value.toISOString();
  const out = {};
  for (const [key, item] of Object.entries(value)) out[key] = encode(item, depth + 1);
  return out;
}

function encodeKey(key, depth) {
  return typeof key === 'string' ? key : JSON.stringify(encode(key, depth + 1));
}

function sortItems(items) {
  if (items.every((item) => typeof item === 'number')) return items.sort((a, b) => a - b);
  if (items.every((item) => typeof item === 'string')) return items.sort();
  return items.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

// The error with only the candidate's own frames, so line numbers point into their code.
function describeError(error) {
  if (!(error instanceof Error)) return `thrown: ${safeString(error)}`;
  const frames = String(error.stack || '')
    .split('\n')
    .filter((line) => line.includes(FILENAME))
    .slice(0, 5);
  return [`${error.name}: ${error.message}`, ...frames].join('\n');
}

function safeString(value) {
  try {
    return String(value).slice(0, 1000);
  } catch {
    return typeof value;
  }
}

function isMemoryError(error) {
  return error instanceof RangeError && /allocation failed|invalid string length/i.test(error.message);
}

function verdictOf(error) {
  if (capture.overflow || error instanceof OutputLimit) return 'output_limit';
  if (isMemoryError(error)) return 'memory_limit';
  return 'runtime_error';
}

// `name` -> that function or class; `Class.method` -> a bound method on a fresh instance per
// test (the LeetCode `class Solution` form).
function findEntry(found, entry) {
  const [owner, method] = entry.split('.');
  if (typeof found !== 'function') throw new ReferenceError(`your code does not define a function or class '${owner}'`);
  if (!method) return () => found;
  return () => {
    const instance = new found();
    if (typeof instance[method] !== 'function') throw new TypeError(`'${owner}' has no method '${method}'`);
    return instance[method].bind(instance);
  };
}

// An async answer is awaited; one whose promise can never settle (nothing left on the event
// loop) fails its test instead of silently ending the process.
let onDrained = null;
process.on('beforeExit', () => {
  if (!onDrained) return;
  onDrained();
  setImmediate(() => {}); // keeps the loop alive for the next test, so this can fire again
});
function settle(value) {
  if (!value || typeof value.then !== 'function') return value;
  return new Promise((resolve, reject) => {
    onDrained = () => reject(new Error('returned a Promise that never settles'));
    value.then(resolve, reject);
  }).finally(() => {
    onDrained = null;
  });
}

async function runTest(makeTarget, test) {
  const args = test.args || [];
  if (!test.ops) return await settle(makeTarget()(...args));
  // Class ops, LeetCode style: the first op constructs, the others call methods; the result list
  // has null for the constructor.
  const Target = makeTarget();
  const instance = new Target(...(args[0] || []));
  const results = [null];
  for (let step = 1; step < test.ops.length; step++) {
    const op = test.ops[step];
    try {
      if (typeof instance[op] !== 'function') throw new TypeError(`${op} is not a method`);
      results.push(await settle(instance[op](...(args[step] || []))));
    } catch (error) {
      if (error instanceof Error) error.message += ` (during operation ${step}: ${op})`;
      throw error;
    }
  }
  return results;
}

// Compiles the code as a function body, so a syntax error has its real line number and the
// entry is found by name whether it is declared with function, class, const or var.
function load(source, entry) {
  const owner = entry.split('.')[0];
  const body = `${source}\n;return typeof ${owner} === 'undefined' ? undefined : ${owner};`;
  const compiled = vm.compileFunction(body, ['require', 'module', 'exports'], { filename: FILENAME });
  const module = { exports: {} };
  let found = compiled(require, module, module.exports);
  if (found === undefined) found = typeof module.exports === 'function' ? module.exports : module.exports[owner];
  return findEntry(found, entry);
}

function syntaxRecord(error) {
  // V8 puts "solution.js:LINE" on the first line of a SyntaxError's stack.
  const match = new RegExp(`${FILENAME.replace('.', '\\.')}:(\\d+)`).exec(String(error.stack || ''));
  const line = match ? Number(match[1]) : null;
  const lines = String(error.stack || '').split('\n');
  const context = lines.length > 2 ? `\n  ${lines[1]}` : '';
  return { t: 'syntax', error: `SyntaxError: ${error.message}${line ? ` (line ${line})` : ''}${context}`, line };
}

async function main() {
  closeInheritedFds();
  const request = JSON.parse(fs.readFileSync(0, 'utf8'));
  capture.limit = Number(request.outputBytes);
  installCapture();

  let makeTarget;
  try {
    makeTarget = load(request.source, request.entry);
  } catch (error) {
    if (error instanceof SyntaxError && String(error.stack || '').startsWith(FILENAME)) {
      send(syntaxRecord(error));
    } else {
      send({ t: 'load', verdict: verdictOf(error), error: describeError(error), stdout: capture.text() });
    }
    return;
  }
  send({ t: 'ready' });

  for (let index = 0; index < request.tests.length; index++) {
    capture.reset();
    const started = performance.now();
    let value;
    let failure = null;
    try {
      value = encode(await runTest(makeTarget, request.tests[index]));
    } catch (error) {
      failure = { error };
    }
    const ms = Math.round((performance.now() - started) * 1000) / 1000;
    let record;
    if (!failure && !capture.overflow) {
      record = { t: 'result', i: index, value };
    } else {
      const verdict = verdictOf(failure ? failure.error : null);
      const error = verdict === 'output_limit' ? `printed more than ${capture.limit} bytes` : describeError(failure.error);
      record = { t: 'error', i: index, verdict, error };
    }
    record.stdout = capture.text();
    record.ms = ms;
    send(record);
  }
  send({ t: 'done' });
}

main().then(
  // Exit at once: the candidate's timers or open handles must not hold the run open.
  () => exitNow(0),
  (error) => {
    fs.writeSync(2, `harness failed: ${error && error.stack ? error.stack : error}\n`);
    exitNow(70);
  },
);
