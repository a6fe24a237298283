// The processes the scale benchmark runs: the app as `npm start` runs it (scripts/start.ts) and a time-skipping test engine.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ENGINE_BIN } from '../../runtime/temporal.ts';
import { childPidOf } from './proc.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface App {
  child: ChildProcess;
  url: string;
  readyMs: number;
  enginePid: () => number | undefined;
  stop(): Promise<void>;
}

export async function startApp(env: Record<string, string>, label: string): Promise<App> {
  const t0 = performance.now();
  const nodeArgs = process.env.DUBAN_SCALE_NODE_ARGS ? process.env.DUBAN_SCALE_NODE_ARGS.split(' ') : [];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(root, 'scripts', 'start.ts')], {
    cwd: root,
    env: { ...process.env, DUBAN_DEMO: '0', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logFile = fs.createWriteStream(path.join(env.DATA_DIR!, `app-${label}.log`), { flags: 'a' });
  child.stdout!.pipe(logFile);
  child.stderr!.pipe(logFile);
  const url = await new Promise<string>((resolve, reject) => {
    let said = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      said += chunk.toString();
      const m = /is running at (http:\/\/\S+?)\/\s/.exec(said);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) =>
      reject(new Error(`the app exited (${code}) before it was ready; see ${logFile.path}`)),
    );
  });
  const readyMs = performance.now() - t0;
  let enginePid: number | undefined;
  return {
    child,
    url,
    readyMs,
    enginePid: () => (enginePid ??= childPidOf(child.pid!, 'duban-temporal')),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function startTestEngine(port: number, initialTime: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [ENGINE_BIN, String(port), '--initial-time', initialTime], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let said = '';
    child.stderr!.on('data', (c: Buffer) => {
      said += c.toString();
      if (/listening on/.test(said)) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`test engine exited (${code}): ${said.slice(-500)}`)));
  });
}
