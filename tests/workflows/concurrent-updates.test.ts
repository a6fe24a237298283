/**
 * Two commands accepted in one activation (the fault soak of 2026-12-02, issue
 * 10): both passed their checks before either changed anything. Two reviews
 * of one closure committed twice; the second review's projection named no
 * closure and failed on every retry, and every later projection of the task
 * queued behind it, so the read model stopped (a CLOSED task one seq short, a
 * CANCELLED one still IN_PROGRESS twelve changes back). Two extension
 * requests left two PENDING rows while the workflow held one.
 *
 * Here the worker is stopped, both Updates reach the engine, and a fresh
 * worker receives them in one workflow task: one acts, the other is refused
 * with the rule's reason, and the read model ends equal to the workflow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { savePlan, startPlanWorkflows, type SavedPlan } from '../../services/plans.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import type { DubanConfig } from '../../temporal.config.ts';
import * as defs from '../../workflows/definitions.ts';
import type { Actor, TaskState } from '../../workflows/types.ts';
import {
  freshDatabase,
  runTestWorker,
  seedOrg,
  testPlan,
  timeSkippingEnv,
  type Org,
  type RunningTestWorker,
} from '../support/harness.ts';
import { keepHistories } from '../support/histories.ts';

const TASK_QUEUE = 'duban-concurrent-updates';
let env: TestWorkflowEnvironment;
let prisma: PrismaClient;
let config: DubanConfig;
let org: Org;
let saved: SavedPlan;
let testWorker: RunningTestWorker | undefined;
let office: Actor;
let lead: Actor;
const handle = (i: number) => env.client.workflow.getHandle(defs.taskWorkflowId(saved.tasks[i]!.id));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  const db = await freshDatabase();
  prisma = db.prisma;
  config = db.config;
  const plan = testPlan(
    '并发命令测试',
    Array.from({ length: 3 }, (_, i) => ({ title: `任务${i + 1}`, lead: '县卫健局', due: '2026-12-30' })),
  );
  org = await seedOrg(prisma, plan.departments);
  office = { userId: org.office.id, role: 'OFFICE', departmentId: null };
  lead = { userId: org.departments[0]!.userId, role: 'DEPARTMENT', departmentId: org.departments[0]!.id };
  saved = await savePlan(prisma, plan, { text: '…', format: 'txt' }, { createdById: org.office.id });
  env = await timeSkippingEnv('2026-02-02T08:00:00+08:00');
  testWorker = await runTestWorker(env, TASK_QUEUE, { prisma, config });
  await startPlanWorkflows(env.client, prisma, TASK_QUEUE, saved, plan.title!, office);
  for (let i = 0; i < saved.tasks.length; i++) {
    await handle(i).executeUpdate(defs.assignUpdate, {
      args: [{ actor: office, leadDepartmentId: org.departments[0]!.id }],
    });
    await handle(i).executeUpdate(defs.acknowledgeUpdate, { args: [{ actor: lead }] });
  }
}, 120_000);

afterAll(async () => {
  await testWorker?.stop();
  await keepHistories(env?.client, 'concurrent-updates');
  await env?.teardown();
  await prisma?.$disconnect();
});

/** Send the commands while no worker runs, so that the next worker receives them in one workflow task. */
async function together<T>(sends: (() => Promise<T>)[]): Promise<PromiseSettledResult<T>[]> {
  await testWorker?.stop();
  testWorker = undefined;
  const answers = Promise.allSettled(sends.map((send) => send()));
  // Every Update admitted by the engine before a worker asks for the task.
  await sleep(1_500);
  testWorker = await runTestWorker(env, TASK_QUEUE, { prisma, config });
  return answers;
}

/** Wait (a bounded time) until the read model shows the workflow's seq, then compare the two. */
async function converged(i: number, state: Pick<TaskState, 'seq' | 'status' | 'pendingExtension' | 'pendingClosure'>) {
  const id = saved.tasks[i]!.id;
  const deadline = Date.now() + 15_000;
  let row = await prisma.task.findUniqueOrThrow({ where: { id } });
  while (row.projectionSeq !== state.seq && Date.now() < deadline) {
    await sleep(100);
    row = await prisma.task.findUniqueOrThrow({ where: { id } });
  }
  expect({ seq: row.projectionSeq, status: row.status }).toEqual({ seq: state.seq, status: state.status });
  const events = await prisma.taskEvent.findMany({ where: { taskId: id }, orderBy: { seq: 'asc' } });
  expect(events.map((e) => e.seq)).toEqual(Array.from({ length: state.seq }, (_, k) => k + 1));
  const pendingExtensions = await prisma.extensionRequest.findMany({ where: { taskId: id, status: 'PENDING' } });
  expect(pendingExtensions.map((r) => r.id)).toEqual(state.pendingExtension ? [state.pendingExtension.id] : []);
  const pendingClosures = await prisma.closureReview.findMany({ where: { taskId: id, status: 'PENDING' } });
  expect(pendingClosures.map((r) => r.id)).toEqual(state.pendingClosure ? [state.pendingClosure.id] : []);
  return events;
}

/** The refusal codes of the commands that were refused. */
const refusals = (r: PromiseSettledResult<unknown>[]) =>
  r.filter((x) => x.status === 'rejected').map((x) => (x.reason as { cause?: { type?: string } }).cause?.type);

describe('two commands accepted in one workflow task', () => {
  it('two approvals of one closure: closed once, the workflow completes, the read model holds its final state', async () => {
    const h = handle(0);
    await h.executeUpdate(defs.requestClosureUpdate, { args: [{ actor: lead, summary: '已完成' }] });
    const answers = await together(
      [0, 1].map(
        (k) => () =>
          h.executeUpdate(defs.reviewClosureUpdate, {
            args: [
              {
                actor: office,
                approve: true,
                reason: `同意${k}`,
                checklist: { factsClear: true, problemSolved: true, materialsComplete: true },
              },
            ],
          }),
      ),
    );
    expect(answers.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    expect(refusals(answers)).toEqual([expect.any(String)]);
    const final = await Promise.race([h.result(), sleep(20_000).then(() => null)]);
    expect(final, 'the workflow completes').toMatchObject({ status: 'CLOSED' });
    const events = await converged(0, { ...final!, pendingExtension: null, pendingClosure: null });
    expect(events.filter((e) => e.kind === 'CLOSED')).toHaveLength(1);
    // The closed state was projected once more by a regular activity before the workflow returned.
    const history = (await h.fetchHistory()).events!;
    const last = history.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
    expect(last.at(-1)).toBe('projectTask');
  }, 90_000);

  it('two returns of one closure, then more changes and a cancel: the read model follows to CANCELLED', async () => {
    const h = handle(1);
    await h.executeUpdate(defs.requestClosureUpdate, { args: [{ actor: lead, summary: '已完成' }] });
    const answers = await together(
      [0, 1].map(
        (k) => () =>
          h.executeUpdate(defs.reviewClosureUpdate, { args: [{ actor: office, approve: false, reason: `退回${k}` }] }),
      ),
    );
    expect(answers.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    expect(refusals(answers)).toEqual([expect.any(String)]);
    const report = h.executeUpdate(defs.submitReportUpdate, {
      args: [{ actor: lead, progress: 60, narrative: '推进' }],
    });
    await expect(Promise.race([report, sleep(20_000).then(() => 'no answer')])).resolves.toMatchObject({
      progress: 60,
    });
    await h.executeUpdate(defs.cancelUpdate, { args: [{ actor: office, reason: '调整' }] });
    const final = await Promise.race([h.result(), sleep(20_000).then(() => null)]);
    expect(final, 'the workflow completes').toMatchObject({ status: 'CANCELLED' });
    const events = await converged(1, { ...final!, pendingExtension: null, pendingClosure: null });
    expect(events.filter((e) => e.kind === 'CLOSURE_RETURNED')).toHaveLength(1);
  }, 90_000);

  it('two extension requests: one is held and PENDING in the read model, the other refused', async () => {
    const h = handle(2);
    const answers = await together(
      ['2027-03-31', '2027-06-30'].map(
        (to) => () =>
          h.executeUpdate(defs.requestExtensionUpdate, {
            args: [{ actor: lead, requestedDueDate: to, reason: '等待' }],
          }),
      ),
    );
    expect(answers.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    expect(refusals(answers)).toEqual([expect.any(String)]);
    const state = await h.query(defs.stateQuery);
    expect(state.pendingExtension).not.toBeNull();
    await converged(2, state);
    // Decided: nothing pending anywhere.
    await h.executeUpdate(defs.decideExtensionUpdate, {
      args: [{ actor: office, approve: false, reason: '不予批准' }],
    });
    await converged(2, await h.query(defs.stateQuery));
  }, 90_000);
});
