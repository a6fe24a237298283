/**
 * The stuck-workflow sweep (runtime/stuck.ts) against the real engine and
 * worker: a read model that fell behind its workflow is re-projected, and a
 * workflow whose history and read model have not moved since its last
 * consistent check is not queried again (a query costs the worker a workflow
 * task, a replay when the workflow is not cached: at 10,000 open tasks that
 * was the sweep's whole cost).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { savePlan, startTaskWorkflows, type SavedPlan } from '../../services/plans.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import { watchStuckWorkflows, type StuckWatcher } from '../../runtime/stuck.ts';
import { taskWorkflowId } from '../../workflows/definitions.ts';
import {
  freshDatabase,
  runTestWorker,
  seedOrg,
  testPlan,
  timeSkippingEnv,
  type RunningTestWorker,
} from '../support/harness.ts';
import { keepHistories } from '../support/histories.ts';

const TASK_QUEUE = 'duban-stuck';
let env: TestWorkflowEnvironment;
let prisma: PrismaClient;
let testWorker: RunningTestWorker;
let saved: SavedPlan;
let watcher: StuckWatcher;
/** The client whose queries are recorded in `queried`. */
let client: Client;
const queried: string[] = [];

async function waitFor(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every task's workflow is waiting (no workflow task or activity pending): its history has stopped growing. */
async function settled(): Promise<boolean> {
  for (const t of saved.tasks) {
    const d = await env.client.workflow.getHandle(taskWorkflowId(t.id)).describe();
    if (d.raw.pendingWorkflowTask || d.raw.pendingActivities?.length) return false;
  }
  return true;
}

beforeAll(async () => {
  const db = await freshDatabase();
  prisma = db.prisma;
  await seedOrg(prisma, ['县卫健局', '县医保局']);
  saved = await savePlan(
    prisma,
    testPlan('巡检测试方案', [
      { title: '任务甲', lead: '县卫健局', due: '2026-06-30' },
      { title: '任务乙', lead: '县医保局', due: '2026-06-30' },
    ]),
    { text: '…', format: 'txt' },
  );
  env = await timeSkippingEnv('2026-02-02T08:00:00+08:00');
  testWorker = await runTestWorker(env, TASK_QUEUE, { prisma, config: db.config });
  await startTaskWorkflows(env.client, prisma, TASK_QUEUE, saved);
  await waitFor(
    'both tasks projected',
    async () => (await prisma.task.count({ where: { projectionSeq: { gt: 0 } } })) === 2,
  );
  await waitFor('both workflows waiting', settled);
  // A client that records every query it sends, as the sweep's own.
  client = new Client({
    connection: env.connection,
    interceptors: {
      workflow: [
        {
          async query(input, next) {
            queried.push(input.workflowExecution.workflowId);
            return next(input);
          },
        },
      ],
    },
  });
  watcher = watchStuckWorkflows(client, prisma, { intervalMs: 3_600_000, firstSweepMs: 3_600_000 });
}, 120_000);

afterAll(async () => {
  watcher?.stop();
  await testWorker?.stop();
  await keepHistories(env?.client, 'stuck');
  await env?.teardown();
  await prisma?.$disconnect();
});

describe('the stuck-workflow sweep', () => {
  it('checks every open task once, then leaves unchanged ones alone', async () => {
    expect(await watcher.sweep()).toEqual([]);
    expect(queried.sort()).toEqual(saved.tasks.map((t) => taskWorkflowId(t.id)).sort());
    queried.length = 0;
    await watcher.sweep();
    expect(queried).toEqual([]);
  });

  it('re-projects a read model that fell behind, and checks it again until it matches', async () => {
    const task = saved.tasks[0]!;
    const before = await prisma.task.findUniqueOrThrow({ where: { id: task.id } });
    // A projection that never landed: the row shows an older state than the workflow's.
    await prisma.task.update({
      where: { id: task.id },
      data: { projectionSeq: before.projectionSeq - 1, projectionOrder: '0', status: 'ASSIGNED' },
    });
    await watcher.sweep();
    expect(queried).toEqual([taskWorkflowId(task.id)]);
    await waitFor('the resync to restore the row', async () => {
      const row = await prisma.task.findUniqueOrThrow({ where: { id: task.id } });
      return row.projectionSeq === before.projectionSeq && row.status === before.status;
    });
    await waitFor('the workflow waiting again', settled);
    // The resync signal grew the history: checked once more, then left alone.
    queried.length = 0;
    await watcher.sweep();
    expect(queried).toEqual([taskWorkflowId(task.id)]);
    queried.length = 0;
    await watcher.sweep();
    expect(queried).toEqual([]);
  });

  it('asks at most queriesPerSweep workflows a sweep; the ones left over go first next time', async () => {
    const small = watchStuckWorkflows(client, prisma, {
      intervalMs: 3_600_000,
      firstSweepMs: 3_600_000,
      queriesPerSweep: 1,
    });
    try {
      queried.length = 0;
      await small.sweep();
      expect(queried).toHaveLength(1);
      const first = queried[0]!;
      queried.length = 0;
      await small.sweep();
      expect(queried).toHaveLength(1);
      expect(queried[0]).not.toBe(first);
      queried.length = 0;
      await small.sweep();
      expect(queried).toEqual([]);
    } finally {
      small.stop();
    }
  });
});
