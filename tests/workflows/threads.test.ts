/**
 * The worker's workflow threads run without the SDK's promise stack-trace
 * hook (runtime/workflowThreads.ts): it cost about a third of the workflow
 * thread. If an SDK upgrade moves the thread script, this test fails instead
 * of the hook quietly coming back.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { savePlan, startPlanWorkflows, type SavedPlan } from '../../services/plans.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import * as defs from '../../workflows/definitions.ts';
import {
  freshDatabase,
  seedOrg,
  testPlan,
  timeSkippingEnv,
  runTestWorker,
  type RunningTestWorker,
} from '../support/harness.ts';
import { keepHistories } from '../support/histories.ts';

const TASK_QUEUE = 'duban-threads';
let env: TestWorkflowEnvironment;
let prisma: PrismaClient;
let saved: SavedPlan;
let testWorker: RunningTestWorker;

beforeAll(async () => {
  const db = await freshDatabase();
  prisma = db.prisma;
  await seedOrg(prisma, ['县卫健局']);
  saved = await savePlan(prisma, testPlan('线程测试', [{ title: '任务甲', lead: '县卫健局', due: '2027-06-30' }]), {
    text: '…',
    format: 'txt',
  });
  env = await timeSkippingEnv('2027-01-04T08:00:00+08:00');
  testWorker = await runTestWorker(env, TASK_QUEUE, { prisma, config: db.config });
  await startPlanWorkflows(env.client, prisma, TASK_QUEUE, saved, '线程测试');
}, 120_000);

afterAll(async () => {
  await testWorker?.stop();
  await keepHistories(env?.client, 'threads');
  await env?.teardown();
  await prisma?.$disconnect();
});

it('answers queries as usual, and a stack-trace query says stack traces are off', async () => {
  const handle = env.client.workflow.getHandle(defs.taskWorkflowId(saved.tasks[0]!.id));
  await expect.poll(async () => (await handle.query(defs.stateQuery)).seq, { timeout: 10_000 }).toBe(1);
  await expect(handle.query('__stack_trace')).rejects.toThrow(/stack traces are not enabled/);
});
