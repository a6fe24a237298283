// Dev-mode durability: kill -9 the engine process with a pending timer, an
// in-flight activity and an unprocessed signal; restart it on the same SQLite
// file and port; the workflow must complete with every effect exactly once.
// The history cache is 0 MiB: every committed history leaves memory and is
// read back from SQLite on its next use, before and after the kill.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Worker, Runtime, DefaultLogger, NativeConnection } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { engineArgs, freePort } from '../../runtime/temporal.ts';
import * as activities from './activities';
import { bundle, launcher, uid } from './helpers';
import * as wfs from './workflows';

const dir = mkdtempSync(join(tmpdir(), 'duban-durable-'));
const db = join(dir, 'engine.db');
const procs: ChildProcess[] = [];

async function startEngineProcess(port: number): Promise<ChildProcess> {
  const p = spawn(
    launcher,
    engineArgs({ port, dbFile: db, extra: ['--log-level', 'error', '--history-cache-mb', '0'] }),
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  procs.push(p);
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('engine did not start')), 10_000);
    const tryConnect = async () => {
      try {
        const c = await Connection.connect({ address: `127.0.0.1:${port}`, connectTimeout: 500 });
        await c.close();
        clearTimeout(t);
        resolve();
      } catch {
        setTimeout(tryConnect, 100);
      }
    };
    void tryConnect();
  });
  return p;
}

afterAll(() => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('durability', () => {
  it('survives kill -9 with a pending timer, an in-flight activity and a buffered signal', async () => {
    try {
      Runtime.install({ logger: new DefaultLogger('ERROR') });
    } catch {
      /* already installed */
    }
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    let engine = await startEngineProcess(port);
    const nc = await NativeConnection.connect({ address });
    const worker = await Worker.create({
      connection: nc,
      taskQueue: 'durable',
      workflowBundle: await bundle(),
      activities,
    });
    const running = worker.run();
    const connection = await Connection.connect({ address });
    const client = new Client({ connection });
    const workflowId = uid('durable');
    const h = await client.workflow.start(wfs.durableWorkflow, { taskQueue: 'durable', workflowId });
    // Wait until the activity is running on the worker.
    for (let i = 0; i < 100; i++) {
      const d = await h.describe();
      if (d.raw.pendingActivities?.some((a) => String(a.state) === 'PENDING_ACTIVITY_STATE_STARTED' || a.state === 2))
        break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // Open a long workflow task (local activity), then signal while it runs:
    // the signal is buffered (not yet in history) when the engine dies.
    await h.signal(wfs.doneSignal);
    for (let i = 0; i < 100; i++) {
      const d = await h.describe();
      const st = d.raw.pendingWorkflowTask?.state as unknown;
      if (st === 2 || st === 'PENDING_WORKFLOW_TASK_STATE_STARTED') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await h.signal(wfs.addSignal, 1);
    engine.kill('SIGKILL');
    await new Promise((r) => engine.once('exit', r));
    // The signal was accepted while the task ran, so it sits in the buffer table.
    const peek = new Database(db, { readonly: true });
    const buffered = (peek.prepare('SELECT count(*) AS n FROM buffered').get() as { n: number }).n;
    peek.close();
    expect(buffered).toBe(1);

    const t0 = Date.now();
    engine = await startEngineProcess(port);
    const restartMs = Date.now() - t0;
    expect(restartMs).toBeLessThan(10_000);

    const log = await h.result();
    expect(log.filter((x) => x === 'signal:1')).toHaveLength(1);
    expect(log.filter((x) => x === 'timer')).toHaveLength(1);
    expect(log.filter((x) => x.startsWith('activity:slept 3000'))).toHaveLength(1);
    expect(log.filter((x) => x.startsWith('local:slept 1500'))).toHaveLength(1);
    const history = await h.fetchHistory();
    const ids = history.events!.map((e) => Number(e.eventId));
    expect(ids).toEqual(ids.map((_, i) => i + 1));

    worker.shutdown();
    await running;
    await nc.close();
    await connection.close();
    engine.kill('SIGTERM');
    await new Promise((r) => engine.once('exit', r));
  }, 90_000);
});
