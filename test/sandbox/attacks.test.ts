// Every attack from /work/shared/notes/sandbox.md, run for real through the sandbox; each test
// asserts the attack was contained. Network attacks target ONLY a listener this test starts on
// 127.0.0.1: if the sandbox were broken, any other address would really be reached.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type RunRequest, type RunResult } from '../../src/sandbox/run.ts';
import { dedent, processesOfUid } from './helpers.ts';

const UID_BASE = 61200;
const sandbox = createSandbox({ uidBase: UID_BASE, slots: 2 });
const limits = { timeMs: 1500, memoryMb: 64 };
const SECRET_ENV = 'sk-test-secret';
// The project checkout, wherever it is (/work/main here, elsewhere on CI).
const PROJECT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

const py = (source: string, entry = 'attack', extra: Partial<RunRequest> = {}): RunRequest => ({
  language: 'python',
  source: dedent(source),
  entry,
  tests: [{ args: [], expected: 'contained' }],
  limits,
  ...extra,
});
const js = (source: string, entry = 'attack', extra: Partial<RunRequest> = {}): RunRequest => ({
  language: 'javascript',
  source,
  entry,
  tests: [{ args: [], expected: 'contained' }],
  limits,
  ...extra,
});

const leftovers = () => [...processesOfUid(UID_BASE), ...processesOfUid(UID_BASE + 1)];
/** Runs an attack and checks what holds for every one of them. */
async function attack(request: RunRequest): Promise<RunResult> {
  const started = performance.now();
  const result = await sandbox.run(request);
  expect(result.isolation).toBe('sandbox');
  expect(performance.now() - started).toBeLessThan(limits.timeMs + 2500); // always ends
  expect(leftovers()).toEqual([]); // nothing of the sandbox's uids outlives the run
  expect(JSON.stringify(result)).not.toContain(SECRET_ENV);
  return result;
}

let hostDir: string;
let secretFile: string;
let secret: string;
beforeAll(() => {
  // The server's environment holds an API key; the sandbox must never see it.
  process.env.OPENAI_API_KEY = SECRET_ENV;
  // A host secret readable by anyone: only the sandbox's view of the filesystem protects it.
  hostDir = mkdtempSync(join(tmpdir(), 'mianshi-host-'));
  chmodSync(hostDir, 0o777);
  secret = `host-secret-${Math.random().toString(36).slice(2)}`;
  secretFile = join(hostDir, 'secret.txt');
  writeFileSync(secretFile, secret, { mode: 0o644 });
});
afterAll(() => rmSync(hostDir, { recursive: true, force: true }));

describe('sandbox attacks: python', () => {
  it('an infinite loop is stopped at the time limit', async () => {
    const result = await attack(py('def attack():\n    while True:\n        pass'));
    expect(result.status).toBe('killed');
    expect(result.tests[0]!.verdict).toBe('time_limit');
  });

  it('time.sleep(100) is stopped at the time limit', async () => {
    const result = await attack(py('import time\ndef attack():\n    time.sleep(100)'));
    expect(result.tests[0]!.verdict).toBe('time_limit');
    expect(result.timeMs).toBeLessThan(limits.timeMs + 1000);
  });

  it('unbounded memory growth hits the memory limit', async () => {
    const result = await attack(py("def attack():\n    l = []\n    while True:\n        l.append('x' * 10**6)"));
    expect(result.tests[0]!.verdict).toBe('memory_limit');
  });

  it('a fork bomb is capped and fully killed, and the next run works', async () => {
    const source = `
      import os
      def attack():
          while True:
              try:
                  os.fork()
              except OSError:
                  pass
    `;
    const result = await attack(py(source));
    expect(result.tests[0]!.verdict).toBe('time_limit');
    const after = await attack(py('def attack():\n    return "contained"'));
    expect(after.tests[0]!.verdict).toBe('passed');
  });

  it('a shell fork bomb is capped and fully killed', async () => {
    const source = `
      import os
      def attack():
          os.system("/usr/bin/bash --norc --noprofile -c ':(){ :|:& };:'")
          while True:
              pass
    `;
    const result = await attack(py(source));
    expect(result.tests[0]!.verdict).toBe('time_limit');
    const after = await attack(py('def attack():\n    return "contained"'));
    expect(after.tests[0]!.verdict).toBe('passed');
  });

  it('a setsid double-fork daemon does not outlive the run', async () => {
    const source = `
      import os, time
      def attack():
          if os.fork() == 0:
              os.setsid()
              if os.fork() == 0:
                  while True:
                      time.sleep(0.05)
              os._exit(0)
          time.sleep(0.2)
          alive = [p for p in os.listdir('/proc') if p.isdigit() and p != str(os.getpid())]
          return 'contained' if alive else 'daemon did not start'
    `;
    const result = await attack(py(source));
    // The daemon was running when the test returned; attack() checked nothing is left now.
    expect(result.tests[0]!.verdict).toBe('passed');
  });

  it('cannot read /etc/shadow, /root, the project directory or a host secret file', async () => {
    const source = `
      import os
      def attack():
          seen = {}
          for path in ['/etc/shadow', '/etc/passwd', '/root', ${JSON.stringify(PROJECT)}, ${JSON.stringify(PROJECT + '/package.json')}, ${JSON.stringify(secretFile)}, ${JSON.stringify(hostDir)}, '/proc/1/root/etc/shadow']:
              try:
                  seen[path] = os.listdir(path) if os.path.isdir(path) else open(path).read()
              except OSError as error:
                  seen[path] = type(error).__name__
          return seen
    `;
    const result = await attack(py(source));
    const seen = result.tests[0]!.actual as Record<string, unknown>;
    for (const value of Object.values(seen)) expect(value).toBe('FileNotFoundError');
    expect(JSON.stringify(result)).not.toContain(secret);
  });

  it('cannot write outside its own /tmp, and its /tmp is not the host /tmp', async () => {
    const escape = join(hostDir, 'escaped');
    const source = `
      def attack():
          out = {}
          for path in ['/escaped', '/usr/escaped', '/dev/escaped', '/dev/shm/escaped', '/proc/escaped', ${JSON.stringify(escape)}, '/tmp/inside']:
              try:
                  with open(path, 'w') as f:
                      f.write('x')
                  out[path] = 'written'
              except OSError as error:
                  out[path] = type(error).__name__
          return out
    `;
    const result = await attack(py(source));
    const out = result.tests[0]!.actual as Record<string, string>;
    expect(out['/tmp/inside']).toBe('written');
    for (const [path, what] of Object.entries(out)) if (path !== '/tmp/inside') expect(what, path).not.toBe('written');
    expect(existsSync(escape)).toBe(false);
    expect(existsSync(join(tmpdir(), 'inside'))).toBe(false);
  });

  describe('network', () => {
    let server: Server;
    let port = 0;
    let connections = 0;
    beforeAll(async () => {
      server = createServer((socket) => {
        connections++;
        socket.destroy();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('cannot connect to a listener on the host loopback', async () => {
      const source = `
        import socket
        def attack():
            out = []
            for family, address in [(socket.AF_INET, ('127.0.0.1', ${port})), (socket.AF_INET6, ('::1', ${port}))]:
                s = socket.socket(family, socket.SOCK_STREAM)
                s.settimeout(0.5)
                try:
                    s.connect(address)
                    out.append('connected')
                except OSError as error:
                    out.append(type(error).__name__)
                finally:
                    s.close()
            return out
      `;
      const result = await attack(py(source));
      expect(result.tests[0]!.actual).not.toContain('connected');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(connections).toBe(0);
    });
  });

  it('printing 100 MB is cut at the output limit', async () => {
    const result = await attack(py("def attack():\n    for _ in range(100):\n        print('x' * 10**6)", 'attack', { limits: { ...limits, outputBytes: 64 * 1024 } }));
    expect(result.status).toBe('completed');
    expect(result.tests[0]!.verdict).toBe('output_limit');
    expect(result.tests[0]!.stdout!.length).toBe(64 * 1024);
  });

  it('writing 100 MB straight to fd 1 stops the run with output_limit', async () => {
    const result = await attack(py("import os\ndef attack():\n    for _ in range(100):\n        os.write(1, b'x' * 10**6)"));
    expect(result.status).toBe('killed');
    expect(result.tests[0]!.verdict).toBe('output_limit');
  });

  it('writing a 1 GB file fails early', async () => {
    const source = `
      def attack():
          with open('/tmp/big', 'wb') as f:
              for _ in range(1024):
                  f.write(b'\\0' * 2**20)
                  f.flush()
    `;
    const result = await attack(py(source));
    expect(result.tests[0]!.verdict).toBe('runtime_error');
    expect(result.tests[0]!.error).toMatch(/File too large|No space left/);
  });

  it('ctypes setuid/unshare/mount/ptrace are refused, and kill(-1) reaches nothing outside', async () => {
    const victim = spawn('/usr/bin/sleep', ['30'], { stdio: 'ignore' });
    try {
      const source = `
        import ctypes, os, signal
        def attack():
            libc = ctypes.CDLL(None, use_errno=True)
            out = {
                'setuid': libc.setuid(0),
                'unshare': libc.unshare(0x10000000 | 0x00020000),  # CLONE_NEWUSER | CLONE_NEWNS
                'mount': libc.mount(b'none', b'/usr', b'tmpfs', 0, None),
                'ptrace': libc.ptrace(16, ${victim.pid}, 0, 0),    # PTRACE_ATTACH to a host process
            }
            try:
                os.kill(${victim.pid}, signal.SIGKILL)
                out['kill host pid'] = 'sent'
            except OSError as error:
                out['kill host pid'] = type(error).__name__
            libc.kill(-1, signal.SIGKILL)
            out['uid'] = os.getuid()
            return out
      `;
      const result = await attack(py(source));
      expect(result.tests[0]!.actual).toMatchObject({ setuid: -1, unshare: -1, mount: -1, ptrace: -1 });
      expect((result.tests[0]!.actual as { uid: number }).uid).toBeGreaterThanOrEqual(UID_BASE);
      expect(victim.exitCode).toBeNull();
      expect(victim.signalCode).toBeNull();
      expect(() => process.kill(victim.pid!, 0)).not.toThrow();
    } finally {
      victim.kill('SIGKILL');
    }
  });

  it('a deliberate segfault ends the run with runtime_error; earlier tests still count', async () => {
    const source = `
      import ctypes
      def attack(crash):
          if crash:
              ctypes.string_at(0)
          return 'contained'
    `;
    const tests = [
      { args: [false], expected: 'contained' },
      { args: [true], expected: 'contained' },
      { args: [false], expected: 'contained' },
    ];
    const result = await attack(py(source, 'attack', { tests }));
    expect(result.status).toBe('killed');
    expect(result.reason).toMatch(/SIGSEGV/);
    expect(result.tests.map((t) => t.verdict)).toEqual(['passed', 'runtime_error', 'not_run']);
  });

  it('cannot find OPENAI_API_KEY in os.environ or any /proc/*/environ', async () => {
    const source = `
      import os
      def attack():
          found = [repr(dict(os.environ))]
          for pid in os.listdir('/proc'):
              if pid.isdigit():
                  for name in ('environ', 'cmdline'):
                      try:
                          found.append(open('/proc/%s/%s' % (pid, name), 'rb').read().decode('latin1'))
                      except OSError as error:
                          found.append(type(error).__name__)
          return found
    `;
    const result = await attack(py(source));
    const found = JSON.stringify(result.tests[0]!.actual);
    expect(found).toContain('PATH=/usr/bin'); // it did read the environment there is
    expect(found).not.toContain(SECRET_ENV); // attack() checks the whole result too
  });

  it('inherits no file descriptor from the server beyond its own pipes', async () => {
    const result = await attack(py("import os\ndef attack():\n    return sorted(int(f) for f in os.listdir('/proc/self/fd'))"));
    // 0-2, the results pipe, and the fd of the listing itself.
    expect(result.tests[0]!.actual).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('sandbox attacks: javascript', () => {
  it('an infinite loop is stopped at the time limit', async () => {
    const result = await attack(js('function attack() { for (;;) {} }'));
    expect(result.tests[0]!.verdict).toBe('time_limit');
  });

  it('unbounded heap growth hits the memory limit', async () => {
    const result = await attack(js("function attack() { const a = []; for (;;) a.push('x'.repeat(1e6) + Math.random()); }"));
    expect(result.tests[0]!.verdict).toBe('memory_limit');
  });

  it('unbounded Buffers (outside the V8 heap) hit the memory limit', async () => {
    const result = await attack(js('function attack() { const a = []; for (;;) a.push(Buffer.alloc(1e7, 1)); }'));
    expect(result.tests[0]!.verdict).toBe('memory_limit');
  });

  it('cannot read the environment, /proc/*/environ, /etc/shadow or the project', async () => {
    const source = `
      const fs = require('fs');
      function attack() {
        const found = [JSON.stringify(process.env)];
        for (const pid of fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p))) {
          try { found.push(fs.readFileSync('/proc/' + pid + '/environ', 'latin1')); } catch (e) { found.push(e.code); }
        }
        for (const path of ['/etc/shadow', ${JSON.stringify(PROJECT + '/package.json')}, ${JSON.stringify(secretFile)}]) {
          try { found.push(fs.readFileSync(path, 'utf8')); } catch (e) { found.push(path + ':' + e.code); }
        }
        return found;
      }`;
    const result = await attack(js(source));
    const found = result.tests[0]!.actual as string[];
    expect(found).toContain('/etc/shadow:ENOENT');
    expect(found).toContain(`${PROJECT}/package.json:ENOENT`);
    expect(found).toContain(`${secretFile}:ENOENT`);
    expect(JSON.stringify(found)).not.toContain(secret);
  });

  it('process.kill cannot reach host processes', async () => {
    const victim: ChildProcess = spawn('/usr/bin/sleep', ['30'], { stdio: 'ignore' });
    try {
      const source = `
        function attack() {
          const out = [];
          try { process.kill(${victim.pid}, 'SIGKILL'); out.push('sent'); } catch (e) { out.push(e.code); }
          try { process.kill(-1, 'SIGKILL'); out.push('sent -1'); } catch (e) { out.push(e.code); }
          return out;
        }`;
      const result = await attack(js(source));
      expect((result.tests[0]!.actual as string[])[0]).toBe('ESRCH');
      expect(victim.exitCode).toBeNull();
      expect(victim.signalCode).toBeNull();
    } finally {
      victim.kill('SIGKILL');
    }
  });

  it('child_process runs only inside the sandbox, and a detached child does not outlive the run', async () => {
    const source = `
      const cp = require('child_process');
      function attack() {
        const child = cp.spawn('/usr/bin/sleep', ['100'], { detached: true, stdio: 'ignore' });
        child.unref();
        return [
          cp.execSync('id -u').toString().trim(),
          cp.execSync('ls /').toString().split('\\n').filter(Boolean).sort(),
          cp.execSync('cat /etc/passwd 2>&1 || true').toString().includes('root:') ? 'read passwd' : 'no passwd',
          typeof child.pid,
        ];
      }`;
    const result = await attack(js(source));
    const [uid, root, passwd, pid] = result.tests[0]!.actual as [string, string[], string, string];
    expect(Number(uid)).toBeGreaterThanOrEqual(UID_BASE);
    expect(root).not.toContain('etc');
    expect(root).not.toContain('work');
    expect(root).not.toContain('root');
    expect(passwd).toBe('no passwd');
    expect(pid).toBe('number');
  });
});
