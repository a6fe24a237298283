// The engine's history cache with a zero budget: every committed history is
// dropped from memory and decoded again from SQLite on its next use. Workflows
// with signals, updates, queries, activities, children and continue-as-new
// must behave exactly as with every history in memory; fetched histories must
// be whole and replay; and a restart on the same file decodes no history until
// one is used.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker, NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { startEngine, type RunningEngine } from '../../engine/src/server.ts';
import * as activities from './activities';
import { bundle, quietRuntime, uid } from './helpers';
import * as wfs from './workflows';

const dir = mkdtempSync(join(tmpdir(), 'duban-hcache-'));
const db = join(dir, 'engine.db');
let workflowBundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  quietRuntime();
  workflowBundle = await bundle();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function withEngine<T>(
  port: number,
  fn: (eng: RunningEngine, client: Client, worker: Worker) => Promise<T>,
): Promise<T> {
  const eng = await startEngine({ port, dbFile: db, historyCacheMb: 0 });
  const nc = await NativeConnection.connect({ address: eng.address });
  // No sticky cache on the worker either: every workflow task carries the whole
  // history, read back from the store.
  const worker = await Worker.create({
    connection: nc,
    taskQueue: 'hcache',
    workflowBundle,
    activities,
    maxCachedWorkflows: 0,
  });
  const connection = await Connection.connect({ address: eng.address });
  const client = new Client({ connection });
  try {
    return await worker.runUntil(fn(eng, client, worker));
  } finally {
    await connection.close();
    await nc.close();
    await eng.shutdown();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('history cache (0 MiB)', () => {
  it('runs workflows whose histories are dropped and reloaded, and reopens with nothing decoded', async () => {
    const port = 0;
    const waiting = uid('waiting');
    let firstPort = 0;
    await withEngine(port, async (eng, client) => {
      firstPort = eng.port;
      const act = await client.workflow.execute(wfs.activityWorkflow, {
        taskQueue: 'hcache',
        workflowId: uid('act'),
        args: ['x'],
      });
      expect(act).toBe('hello x');
      const parent = await client.workflow.execute(wfs.parentWorkflow, {
        taskQueue: 'hcache',
        workflowId: uid('parent'),
        args: [3],
      });
      expect(parent).toBe(12);
      const can = await client.workflow.execute(wfs.continueAsNewWorkflow, {
        taskQueue: 'hcache',
        workflowId: uid('can'),
        args: [3, 0],
      });
      expect(can).toBe(6);

      const u = await client.workflow.start(wfs.updatable, { taskQueue: 'hcache', workflowId: uid('upd') });
      for (let i = 1; i <= 3; i++) {
        expect(await u.executeUpdate(wfs.setValue, { args: [i * 10] })).toBe((i - 1) * 10);
        await sleep(120); // past the cache's trim interval: the history is dropped between updates
      }
      const refused = await u.executeUpdate(wfs.setValue, { args: [-1] }).catch((e: Error) => e);
      expect((refused as Error & { cause?: Error }).cause?.message).toMatch(/negative/);
      expect(await u.query(wfs.getValue)).toBe(30);
      await u.signal(wfs.finish);
      expect(await u.result()).toBe(30);

      // A whole history, fetched after it left memory, equals the one described and replays.
      await sleep(120);
      const history = await u.fetchHistory();
      const d = await u.describe();
      expect(history.events?.length).toBe(d.historyLength);
      await Worker.runReplayHistory({ workflowBundle }, history, u.workflowId);

      // Left open across the restart: two signals now, three after.
      const h = await client.workflow.start(wfs.signalCollector, {
        taskQueue: 'hcache',
        workflowId: waiting,
        args: [5],
      });
      for (const n of [1, 2]) await h.signal(wfs.addSignal, n);
      expect(await h.query(wfs.countQuery)).toBe(2);
      await sleep(120);
      await h.signal(wfs.addSignal, 3);
      expect(await h.query(wfs.itemsQuery)).toEqual([1, 2, 3]);

      const stats = eng.engine.histories.stats();
      expect(stats.unloads).toBeGreaterThan(0);
      expect(stats.loads).toBeGreaterThan(0);
    });

    await withEngine(firstPort, async (eng, client) => {
      // Loading the store decoded no history.
      expect(eng.engine.histories.stats().loads).toBe(0);
      const h = client.workflow.getHandle(waiting);
      for (const n of [4, 5]) await h.signal(wfs.addSignal, n);
      expect(await h.result()).toEqual([1, 2, 3, 4, 5]);
      const history = await h.fetchHistory();
      const signals = history.events!.filter((e) => e.workflowExecutionSignaledEventAttributes);
      expect(signals).toHaveLength(5);
      await Worker.runReplayHistory({ workflowBundle }, history, waiting);
      expect(eng.engine.histories.stats().loads).toBeGreaterThan(0);
    });
  });
});
