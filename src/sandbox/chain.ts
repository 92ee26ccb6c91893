// The process chain that runs a harness: setpriv (a dedicated uid) -> prlimit -> bwrap -> the
// interpreter. Built as a plain argv (no shell) so one answer costs one exec chain.
// Why each piece is there: /work/shared/notes/sandbox.md (the traps are cited by number).
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';

export const TOOLS = {
  setpriv: '/usr/bin/setpriv',
  prlimit: '/usr/bin/prlimit',
  bwrap: '/usr/bin/bwrap',
} as const;

// The system interpreters: they live under /usr, the only host tree the sandbox sees (a pyenv
// or nvm interpreter under /root would not be visible inside: trap 7).
export const INTERPRETERS = {
  python: '/usr/bin/python3',
  javascript: '/usr/bin/node',
} as const;

/** The only environment the chain gets: bwrap's --clearenv does not clear bwrap's own
 * environment, which the sandbox can read from /proc (trap 2). */
export const CHAIN_ENV = { PATH: '/usr/bin:/bin' };

const MiB = 1024 * 1024;
/** Size of the sandbox's /tmp, the only writable place inside (tmpfs is host memory: trap 4). */
export const TMP_BYTES = 32 * MiB;
/** The largest file the program may write (RLIMIT_FSIZE). */
export const FILE_BYTES = 16 * MiB;

export interface ProcessLimits {
  cpuSeconds: number;
  fileBytes: number;
  openFiles: number;
  processes: number;
  /** RLIMIT_AS: right for Python, fatal for Node (V8 reserves address space at start: trap 8). */
  addressSpaceBytes?: number;
  /** RLIMIT_DATA: counts only memory actually made writable, so Node starts under it and its
   * Buffers (outside V8's heap limit) are bounded too. */
  dataBytes?: number;
}

/** setpriv: run as the slot's own unprivileged uid. As root the sandbox would be host uid 0 and
 * RLIMIT_NPROC would not apply (trap 1); one uid per slot keeps concurrent runs from sharing
 * that limit. */
export function dropTo(uid: number): string[] {
  return [TOOLS.setpriv, `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--no-new-privs', '--'];
}

/** prlimit, in plain bytes: util-linux 2.38 takes "--as=320M" as 320 bytes and the child dies. */
export function limitTo(limits: ProcessLimits): string[] {
  const args = [
    TOOLS.prlimit,
    `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + 1}`,
    `--fsize=${limits.fileBytes}`,
    '--core=0',
    `--nofile=${limits.openFiles}`,
  ];
  if (limits.processes > 0) args.push(`--nproc=${limits.processes}`);
  if (limits.addressSpaceBytes) args.push(`--as=${limits.addressSpaceBytes}`);
  if (limits.dataBytes) args.push(`--data=${limits.dataBytes}`);
  args.push('--');
  return args;
}

/** How the host's top-level system directories appear inside: a merged-/usr system has them as
 * symlinks into /usr (recreated as symlinks), an older one as real directories (bound read-only). */
function systemDirs(): string[] {
  const args: string[] = [];
  for (const name of ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32']) {
    const path = `/${name}`;
    try {
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(path), path);
      else if (stat.isDirectory()) args.push('--ro-bind', path, path);
    } catch {
      // Not on this system.
    }
  }
  return args;
}

/** bwrap's options, the same for every run (computed once). */
export function bwrapArgs(bwrap: string): string[] {
  return [
    bwrap,
    // New user, mount, pid, net, ipc, uts and cgroup namespaces; no nested user namespaces
    // (they would give the code capabilities again, if only inside).
    '--unshare-all',
    '--unshare-user',
    '--disable-userns',
    '--die-with-parent',
    // No TIOCSTI into a terminal the server may have.
    '--new-session',
    // The harness is PID 1, so bwrap waits for it itself. With bwrap's own init as PID 1, bwrap
    // exits as soon as it hears the exit code, its init is left a zombie of the slot's uid, and
    // later runs fail to start threads against RLIMIT_NPROC (trap 5, measured here).
    '--as-pid-1',
    '--ro-bind',
    '/usr',
    '/usr',
    ...systemDirs(),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--remount-ro',
    '/dev',
    '--size',
    String(TMP_BYTES),
    '--tmpfs',
    '/tmp',
    '--chdir',
    '/tmp',
    '--clearenv',
    '--setenv',
    'PATH',
    '/usr/bin',
    '--setenv',
    'HOME',
    '/tmp',
    '--cap-drop',
    'ALL',
    // The root is a writable tmpfs unless remounted (trap 4).
    '--remount-ro',
    '/',
    '--',
  ];
}

/** Fds this process would hand to a child: every fd from 3 up without close-on-exec. They would
 * be open handles to host files inside the sandbox (trap 3). Node opens its own fds close-on-exec,
 * so these can only have been inherited by the server from whatever started it. */
export function leakingFds(): number[] {
  const leaking: number[] = [];
  for (const name of readdirSync('/proc/self/fd')) {
    const fd = Number(name);
    if (fd < 3) continue;
    try {
      const flags = /flags:\s*(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
      if (flags && (parseInt(flags[1]!, 8) & 0o2000000) === 0) leaking.push(fd);
    } catch {
      // Closed meanwhile (the listing's own fd).
    }
  }
  return leaking;
}

/** Every process whose real uid is `uid`, from /proc (not /proc/PID's owner, which is root for
 * a process that is not dumpable). */
export function processesOf(uid: number): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'latin1');
      const match = /\nUid:\s+(\d+)/.exec(status);
      if (match && Number(match[1]) === uid && !/\nState:\s+Z/.test(status)) found.push(Number(name));
    } catch {
      // Exited meanwhile.
    }
  }
  return found;
}

/** SIGKILL whatever still runs under a slot's uid. The uid is dedicated to the sandbox, so
 * anything there is a leftover of a run (a daemon that escaped, in the unsafe mode). */
export function killAll(uid: number): number {
  const pids = processesOf(uid);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  return pids.length;
}

/** The direct children of a process (bwrap's child is the sandbox's PID 1). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The signal behind an exit status: bwrap reports a child killed by signal N as exit 128+N. */
export function signalName(code: number | null, signal: NodeJS.Signals | null, viaBwrap: boolean): string | null {
  if (signal) return signal;
  if (!viaBwrap || code === null || code <= 128) return null;
  const number = code - 128;
  const name = Object.entries(constants.signals).find(([, value]) => value === number)?.[0];
  return name ?? null;
}

/** The uids of the pool that belong to real accounts: killing "leftovers" there would kill a
 * user's processes, so such a pool is refused. */
function uidsInUse(uids: number[]): string[] {
  try {
    const passwd = readFileSync('/etc/passwd', 'utf8');
    return passwd
      .split('\n')
      .map((line) => line.split(':'))
      .filter((fields) => uids.includes(Number(fields[2])))
      .map((fields) => `${fields[2]} (${fields[0]})`);
  } catch {
    return [];
  }
}

export interface Availability {
  ok: boolean;
  reason?: string;
  /** Not a missing sandbox but a conflict: unsafeLocal must not fall back to no isolation. */
  final?: boolean;
}

/** Whether the chain can run here, and if not exactly why: checked by running it once. */
export function probeSandbox(bwrap: string, uids: number[]): Availability {
  if (process.platform !== 'linux') return { ok: false, reason: `the sandbox needs Linux (this is ${process.platform})` };
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return {
      ok: false,
      reason: `the sandbox must be started by root, to run code under its dedicated uids ${uids[0]}-${uids.at(-1)}; this process runs as uid ${process.getuid?.()}`,
    };
  }
  for (const [name, path] of [
    ['setpriv', TOOLS.setpriv],
    ['prlimit', TOOLS.prlimit],
  ] as const) {
    if (!existsSync(path)) return { ok: false, reason: `${name} is missing (${path}); it is in Debian's util-linux package` };
  }
  if (!existsSync(bwrap)) return { ok: false, reason: `bubblewrap is not installed (${bwrap} is missing): apt-get install bubblewrap` };
  const taken = uidsInUse(uids);
  if (taken.length) return { ok: false, reason: `the sandbox uids must be unused, but these belong to accounts: ${taken.join(', ')}; choose another uidBase` };

  const argv = [
    ...dropTo(uids[0]!),
    ...limitTo({ cpuSeconds: 5, fileBytes: MiB, openFiles: 64, processes: 32 }),
    ...bwrapArgs(bwrap),
    '/usr/bin/true',
  ];
  const probe = spawnSync(argv[0]!, argv.slice(1), { env: CHAIN_ENV, cwd: '/', timeout: 10_000, encoding: 'utf8' });
  if (probe.error) return { ok: false, reason: `could not start the sandbox chain: ${probe.error.message}` };
  if (probe.status === 0) return { ok: true };
  const said = (probe.stderr || '').trim().split('\n').slice(-3).join(' ');
  let hint = '';
  if (/namespace|Operation not permitted|setting up uid map/i.test(said)) {
    hint =
      '; unprivileged user namespaces look disabled (check /proc/sys/kernel/unprivileged_userns_clone and /proc/sys/user/max_user_namespaces, or a container that forbids them)';
  }
  return { ok: false, reason: `bubblewrap could not create the sandbox (exit ${probe.status ?? probe.signal}): ${said || 'no message'}${hint}` };
}

// Each uid may serve one sandbox on the machine at a time: the sweep after a run kills whatever
// runs under the uid, which would be another server's (or test run's) live sandbox. A pid file
// per uid in a root-only directory makes the claim; a claim whose process is gone is stale. The
// file holds the pid and its start time, so a reused pid does not keep a stale claim alive.
const CLAIM_DIR = '/run/mianshi-sandbox';
const claimedHere = new Map<number, object>();
let releaseOnExit = false;

/** Claims the uids for `owner`; returns why not if another sandbox holds one of them. */
export function claimUids(uids: number[], owner: object): string | null {
  mkdirSync(CLAIM_DIR, { recursive: true, mode: 0o700 });
  for (const uid of uids) {
    const holder = claimedHere.get(uid);
    if (holder === owner) continue;
    if (holder) return `uid ${uid} is already used by another sandbox in this process; give each sandbox its own uidBase`;
    const path = `${CLAIM_DIR}/uid-${uid}.pid`;
    for (let attempt = 0; ; attempt++) {
      try {
        writeFileSync(path, processIdentity(process.pid) ?? String(process.pid), { flag: 'wx', mode: 0o600 });
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      }
      const recorded = readFileSync(path, 'utf8').trim();
      const pid = Number.parseInt(recorded, 10);
      if (pid !== process.pid && processIdentity(pid) === recorded) {
        return `uid ${uid} is in use by another process's sandbox (pid ${pid}, see ${path}); give each process its own uidBase`;
      }
      unlinkSync(path); // stale, or ours from a sandbox that is no longer used
    }
    claimedHere.set(uid, owner);
  }
  if (!releaseOnExit) {
    releaseOnExit = true;
    process.once('exit', () => {
      for (const uid of claimedHere.keys()) {
        try {
          unlinkSync(`${CLAIM_DIR}/uid-${uid}.pid`);
        } catch {
          // Already gone.
        }
      }
    });
  }
  return null;
}

/** "pid:start time" of a live process (start time from /proc/PID/stat), or null. */
export function processIdentity(pid: number): string | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return `${pid}:${fields[19]}`; // field 22, starttime
  } catch {
    return null;
  }
}
