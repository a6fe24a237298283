/**
 * The application as `npm start` runs it, for the fault-injection test: one
 * main process (scripts/start.ts) on a fixed data dir and fixed ports, its
 * supervised engine child found through /proc, and hard kills of either.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.join(import.meta.dirname, '..', '..');

export interface AppOptions {
  dataDir: string;
  port: number;
  enginePort: number;
  env?: Record<string, string>;
}

export interface RunningApp {
  proc: ChildProcess;
  pid: number;
  url: string;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Parent pid of a process, or null when it is gone (zombies count as gone). */
export function parentOf(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid …; comm may contain spaces and parentheses.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest[0] === 'Z' || rest[0] === 'X') return null;
    return Number(rest[1]);
  } catch {
    return null;
  }
}

export function alive(pid: number): boolean {
  return parentOf(pid) !== null;
}

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** Live engine processes (duban-temporal) started for this data dir, whoever their parent is. */
export function enginesFor(dataDir: string): { pid: number; ppid: number }[] {
  const out: { pid: number; ppid: number }[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    const cmd = cmdline(pid);
    if (!cmd.includes('duban-temporal') || !cmd.includes(dataDir)) continue;
    const ppid = parentOf(pid);
    if (ppid !== null) out.push({ pid, ppid });
  }
  return out;
}

/** The engine child of a main process, waiting up to `timeoutMs` for one to exist. */
export async function engineChildOf(mainPid: number, dataDir: string, timeoutMs = 30_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const e = enginesFor(dataDir).find((x) => x.ppid === mainPid);
    if (e) return e.pid;
    if (Date.now() > until) throw new Error(`No engine child of ${mainPid} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

export async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > until) return false;
    await sleep(25);
  }
  return true;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Start `npm start`'s entry point and resolve once it says it is running. */
export function startApp(opts: AppOptions, timeoutMs = 120_000): Promise<RunningApp> {
  let output = '';
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'start.ts')], {
    cwd: root,
    env: {
      ...process.env,
      DATA_DIR: opts.dataDir,
      PORT: String(opts.port),
      ENGINE_PORT: String(opts.enginePort),
      DUBAN_DEMO: '0',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  proc.stderr!.on('data', (b: Buffer) => (output += b.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`npm start did not come up in ${timeoutMs} ms:\n${output.slice(-4000)}`));
    }, timeoutMs);
    proc.stdout!.on('data', (b: Buffer) => {
      output += b.toString();
      const m = /is running at (http:\/\/[^/\s]+)\//.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, pid: proc.pid!, url: m[1]!, output: () => output, exited });
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code ?? signal}) before it was running:\n${output.slice(-4000)}`));
    });
  });
}
