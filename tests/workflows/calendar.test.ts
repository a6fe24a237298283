/**
 * The State Council publishes next year's holidays late: running tasks must
 * re-plan their pending notices when an admin loads the new calendar.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  savePlan,
  signalIfMoved,
  startPlanWorkflows,
  startReads,
  taskWorkflowInput,
  type SavedPlan,
} from '../../services/plans.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import * as defs from '../../workflows/definitions.ts';
import {
  freshDatabase,
  seedOrg,
  timeSkippingEnv,
  type Org,
  testPlan,
  runTestWorker,
  type RunningTestWorker,
} from '../support/harness.ts';
import { keepHistories } from '../support/histories.ts';

const TASK_QUEUE = 'duban-calendar';
let env: TestWorkflowEnvironment;
let prisma: PrismaClient;
let org: Org;
let saved: SavedPlan;
let testWorker: RunningTestWorker;

beforeAll(async () => {
  const db = await freshDatabase();
  prisma = db.prisma;
  org = await seedOrg(prisma, ['县卫健局']);
  saved = await savePlan(prisma, testPlan('2027年任务', [{ title: '任务甲', lead: '县卫健局', due: '2027-02-05' }]), {
    text: '…',
    format: 'txt',
  });
  env = await timeSkippingEnv('2027-01-04T08:00:00+08:00');
  testWorker = await runTestWorker(env, TASK_QUEUE, { prisma, config: db.config });
  await startPlanWorkflows(env.client, prisma, TASK_QUEUE, saved, '2027年任务');
}, 120_000);

afterAll(async () => {
  await testWorker?.stop();
  await keepHistories(env?.client, 'calendar');
  await env?.teardown();
  await prisma?.$disconnect();
});

describe('a calendar update', () => {
  it('moves pending notices of running tasks; notices already sent stay as they were', async () => {
    const handle = env.client.workflow.getHandle(defs.taskWorkflowId(saved.tasks[0]!.id));
    await handle.executeUpdate(defs.assignUpdate, {
      args: [{ actor: { userId: org.office.id, role: 'OFFICE' }, leadDepartmentId: org.departments[0]!.id }],
    });
    const before = await handle.query(defs.pendingNoticesQuery);
    // 2027 has no official data yet: weekends only. Level 1 on Monday 02-08.
    expect(before.find((n) => n.kind === 'LEVEL1')!.date).toBe('2027-02-08');
    await env.sleep(new Date('2027-01-10T12:00:00+08:00').getTime() - (await env.currentTimeMs()));
    const sentBefore = await prisma.notice.findMany({ where: { taskId: saved.tasks[0]!.id } });
    expect(sentBefore.map((n) => n.kind)).toEqual(['ACK_REMINDER']);

    // The admin loads the official Spring Festival 2027 schedule (holidays 02-06 … 02-12, make-up Saturday 02-20).
    const days = ['2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11', '2027-02-12'];
    await prisma.calendarOverride.createMany({
      data: [
        ...days.map((date) => ({ date, kind: 'HOLIDAY', name: '春节', source: 'official' })),
        { date: '2027-02-20', kind: 'WORKDAY', name: '春节调休', source: 'official' },
      ],
    });
    await handle.signal(defs.calendarChangedSignal);
    await expect
      .poll(async () => (await handle.query(defs.pendingNoticesQuery)).map((n) => `${n.kind} ${n.date}`), {
        timeout: 10_000,
      })
      .toEqual(['WARNING 2027-01-29', 'LEVEL1 2027-02-15', 'LEVEL2 2027-02-17', 'LEVEL3 2027-02-25']);
    await env.sleep(new Date('2027-03-01T12:00:00+08:00').getTime() - (await env.currentTimeMs()));
    const sent = await prisma.notice.findMany({ where: { taskId: saved.tasks[0]!.id }, orderBy: { fireAt: 'asc' } });
    expect(sent.map((n) => `${n.kind} ${n.fireAt.toISOString().slice(0, 10)}`)).toEqual([
      'ACK_REMINDER 2027-01-06',
      'WARNING 2027-01-29',
      'LEVEL1 2027-02-15',
      'LEVEL2 2027-02-17',
      'LEVEL3 2027-02-25', // the make-up Saturday 02-20 counts
    ]);
  });

  it("a task started from the importer's reads reads nothing itself, and a change made meanwhile still reaches it", async () => {
    const next = await savePlan(
      prisma,
      testPlan('2027年续办任务', [
        { title: '任务乙', lead: '县卫健局', due: '2027-06-30' },
        { title: '任务丙', lead: '县卫健局', due: '2027-06-30' },
      ]),
      { text: '…', format: 'txt' },
    );
    const reads = await startReads(prisma, next.planId);
    const start = async (i: number) => {
      const workflowId = defs.taskWorkflowId(next.tasks[i]!.id);
      await env.client.workflow.start('reformTask', {
        taskQueue: TASK_QUEUE,
        workflowId,
        args: [taskWorkflowInput(next, next.tasks[i]!, undefined, reads)],
      });
      return env.client.workflow.getHandle(workflowId);
    };
    const scheduled = async (h: Awaited<ReturnType<typeof start>>) =>
      (await h.fetchHistory()).events!.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    const signals = async (h: Awaited<ReturnType<typeof start>>) =>
      (await h.fetchHistory()).events!.filter((e) => e.workflowExecutionSignaledEventAttributes).length;

    // Nothing moved between the read and the start: no read activity, no signal.
    const quiet = await start(0);
    await signalIfMoved(env.client, prisma, next.planId, reads, [quiet.workflowId]);
    await expect.poll(() => scheduled(quiet), { timeout: 10_000 }).toEqual(['projectTask']);
    expect(await signals(quiet)).toBe(0);

    // A holiday is loaded after the read, before the start: the starter signals, the task reloads.
    await prisma.calendarOverride.create({
      data: { date: '2027-05-06', kind: 'HOLIDAY', name: '调整', source: 'official' },
    });
    const late = await start(1);
    await signalIfMoved(env.client, prisma, next.planId, reads, [late.workflowId]);
    await expect
      .poll(async () => (await late.query(defs.stateQuery)).calendar.overrides.map((o) => o.date), {
        timeout: 10_000,
      })
      .toContain('2027-05-06');
    expect(await scheduled(late)).toEqual(['projectTask', 'loadCalendar']);
    expect(await signals(late)).toBe(1);
    expect((await quiet.query(defs.stateQuery)).calendar.overrides.map((o) => o.date)).not.toContain('2027-05-06');
  });
});
