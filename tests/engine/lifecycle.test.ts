// Engine process lifecycle: one engine per database file (an OS-level lock
// that a kill -9 releases), exit when the parent dies, exit 0 on SIGTERM/SIGINT.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { engineArgs } from '../../runtime/temporal.ts';
import { freePort, launcher } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'duban-lifecycle-'));
const procs: ChildProcess[] = [];

afterAll(() => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function engine(opts: { port: number; dbFile: string }): { p: ChildProcess; stderr: () => string } {
  const p = spawn(launcher, engineArgs(opts), { stdio: ['ignore', 'ignore', 'pipe'] });
  procs.push(p);
  let err = '';
  p.stderr!.on('data', (d) => (err += d));
  return { p, stderr: () => err };
}

async function listening(port: number): Promise<void> {
  for (let i = 0; i < 150; i++) {
    try {
      const c = await Connection.connect({ address: `127.0.0.1:${port}`, connectTimeout: 300 });
      await c.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('engine did not start');
}

function exited(p: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve({ code: p.exitCode, signal: p.signalCode });
  return new Promise((r) => p.once('exit', (code, signal) => r({ code, signal })));
}

describe('engine lifecycle', () => {
  it('refuses a database file another engine holds, and takes it over after that engine is killed -9', async () => {
    const db = join(dir, 'locked.db');
    const port1 = await freePort();
    const first = engine({ port: port1, dbFile: db });
    await listening(port1);

    const t0 = Date.now();
    const second = engine({ port: await freePort(), dbFile: db });
    const res = await exited(second.p);
    expect(res.code).toBe(3);
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(second.stderr()).toMatch(/in use by another duban-temporal/);

    first.p.kill('SIGKILL');
    await exited(first.p);
    const port3 = await freePort();
    const third = engine({ port: port3, dbFile: db });
    await listening(port3);
    third.p.kill('SIGTERM');
    expect((await exited(third.p)).code).toBe(0);
  }, 60_000);

  it('exits when the process given by --parent-pid dies, even by kill -9', async () => {
    const port = await freePort();
    // A stand-in parent that starts the engine and then is killed -9.
    const parent = spawn(
      process.execPath,
      [
        '-e',
        `const { spawn } = require('node:child_process');
         const c = spawn(${JSON.stringify(launcher)}, [...${JSON.stringify(engineArgs({ port }))}, '--parent-pid', String(process.pid)], { stdio: 'ignore' });
         console.log(c.pid);
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    procs.push(parent);
    const enginePid = await new Promise<number>((r) => parent.stdout!.once('data', (d) => r(Number(String(d).trim()))));
    await listening(port);
    parent.kill('SIGKILL');
    await exited(parent);
    const t0 = Date.now();
    let alive = true;
    while (alive && Date.now() - t0 < 10_000) {
      await new Promise((r) => setTimeout(r, 100));
      try {
        process.kill(enginePid, 0);
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
    expect(Date.now() - t0).toBeLessThan(5000);
  }, 60_000);

  it('exits 0 on SIGTERM and on SIGINT', async () => {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      const port = await freePort();
      const e = engine({ port, dbFile: join(dir, `${sig}.db`) });
      await listening(port);
      e.p.kill(sig);
      expect((await exited(e.p)).code).toBe(0);
    }
  }, 60_000);
});
