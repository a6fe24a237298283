/**
 * 报送频次 in skipped time, through 2026: a task owes a report by the 5th of
 * every month. On-time reports are quiet; April's missing report is chased on
 * the ladder (催报, then a numbered 督办单) until one report settles it, late;
 * the Q2 round counts every period due in the quarter; the rest of the year,
 * reported on time, raises nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { savePlan, startPlanSupervision, startTaskWorkflows, type SavedPlan } from '../../services/plans.ts';
import type { ParsedPlan } from '../../domain/parser/index.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import * as defs from '../../workflows/definitions.ts';
import type { Actor } from '../../workflows/types.ts';
import {
  freshDatabase,
  runTestWorker,
  seedOrg,
  timeSkippingEnv,
  type Org,
  type RunningTestWorker,
} from '../support/harness.ts';
import { keepHistories } from '../support/histories.ts';

const TASK_QUEUE = 'duban-cadence';
const at = (local: string) => new Date(`${local}+08:00`).getTime();

let env: TestWorkflowEnvironment;
let prisma: PrismaClient;
let org: Org;
let saved: SavedPlan;
let testWorker: RunningTestWorker;
let office: Actor;
let lead: Actor;

const plan: ParsedPlan = {
  title: '报送频次测试方案',
  issuer: '测试县医改办',
  doc_number: null,
  departments: ['县卫健局'],
  plan_targets: [],
  warnings: [],
  tasks: [
    {
      path: ['一、重点任务', '(一)推进分级诊疗'],
      title: '推进分级诊疗',
      lead: ['县卫健局'],
      cooperating: [],
      deadlines: [{ text: '2026年底前', date: '2026-12-31' }],
      targets: [],
      recurrence: null,
      report_cadence: 'MONTHLY:5',
    },
  ],
} as unknown as ParsedPlan;

const taskId = () => saved.tasks[0]!.id;
const handle = () => env.client.workflow.getHandle(defs.taskWorkflowId(taskId()));
const sleepUntil = async (local: string) => {
  const now = await env.currentTimeMs();
  if (at(local) > now) await env.sleep(at(local) - now);
};
const report = (narrative: string) =>
  handle().executeUpdate(defs.submitReportUpdate, { args: [{ actor: lead, progress: 50, narrative }] });
const chased = () =>
  prisma.notice.findMany({
    where: { taskId: taskId(), kind: { in: ['REPORT_REMINDER', 'REPORT_LATE'] } },
    orderBy: { fireAt: 'asc' },
  });

beforeAll(async () => {
  const db = await freshDatabase();
  prisma = db.prisma;
  org = await seedOrg(prisma, plan.departments);
  office = { userId: org.office.id, role: 'OFFICE', departmentId: null };
  lead = { userId: org.departments[0]!.userId, role: 'DEPARTMENT', departmentId: org.departments[0]!.id };
  saved = await savePlan(prisma, plan, { text: '…', format: 'txt' }, { createdById: org.office.id });
  // Warnings would come five working days before each due date; this plan chases only after it.
  await prisma.plan.update({
    where: { id: saved.planId },
    data: { settings: JSON.stringify({ thresholds: { warningDaysBefore: 0 } }) },
  });
  env = await timeSkippingEnv('2026-01-05T09:00:00+08:00');
  testWorker = await runTestWorker(env, TASK_QUEUE, { prisma, config: db.config });
  await startTaskWorkflows(env.client, prisma, TASK_QUEUE, saved, office);
  await startPlanSupervision(env.client, TASK_QUEUE, saved.planId, plan.title!, { year: 2026, quarter: 1 });
}, 120_000);

afterAll(async () => {
  await testWorker?.stop();
  await keepHistories(env?.client, 'cadence');
  await env?.teardown();
  await prisma?.$disconnect();
});

describe('monthly reports by the 5th, through 2026', () => {
  it('keeps the cadence read from the plan and owes the first report by 5 February', async () => {
    expect((await prisma.task.findUniqueOrThrow({ where: { id: taskId() } })).reportCadence).toBe('MONTHLY:5');
    await handle().executeUpdate(defs.assignUpdate, {
      args: [{ actor: office, leadDepartmentId: saved.tasks[0]!.leadDepartmentId!, cooperatingDepartmentIds: [] }],
    });
    await handle().executeUpdate(defs.acknowledgeUpdate, { args: [{ actor: lead }] });
    const state = await handle().query(defs.stateQuery);
    expect(state.period).toEqual({ from: '2026-01-05', due: '2026-02-05' });
  });

  it('is quiet while reports come on time', async () => {
    for (const day of ['2026-02-03', '2026-03-04']) {
      await sleepUntil(`${day}T10:00:00`);
      await report(`${day} 进展`);
    }
    await sleepUntil('2026-04-03T10:00:00');
    expect(await chased()).toEqual([]);
    const reports = await prisma.progressReport.findMany({
      where: { taskId: taskId() },
      orderBy: { submittedAt: 'asc' },
    });
    expect(reports.map((r) => [r.dueOn, r.onTime])).toEqual([
      ['2026-02-05', true],
      ['2026-03-05', true],
    ]);
  });

  it('chases April’s missing report on the ladder: 催报, then a numbered 督办单', async () => {
    // 5 April 2026 is a Sunday inside Qingming (4–6 April): level 1 on the 7th, level 2 on the 9th.
    await sleepUntil('2026-04-07T10:00:00');
    expect((await chased()).map((n) => [n.kind, n.level])).toEqual([['REPORT_LATE', 1]]);
    await sleepUntil('2026-04-09T10:00:00');
    expect((await chased()).map((n) => [n.kind, n.level])).toEqual([
      ['REPORT_LATE', 1],
      ['REPORT_LATE', 2],
    ]);
    const order = await prisma.supervisionOrder.findFirstOrThrow({ where: { taskId: taskId() } });
    expect(order).toMatchObject({ kind: 'REPORT_LATE', level: 2, docNumber: '〔2026〕1号', status: 'ISSUED' });
    const notification = await prisma.notification.findFirstOrThrow({
      where: { noticeId: order.id, userId: lead.userId },
    });
    expect(notification.body).toContain('本期进展应于 2026-04-05 前报送，至今未报');
  });

  it('settles the late period with one report and chases nothing more', async () => {
    await sleepUntil('2026-04-10T10:00:00');
    await report('补报4月进展');
    const last = await prisma.progressReport.findFirstOrThrow({
      where: { taskId: taskId() },
      orderBy: { submittedAt: 'desc' },
    });
    expect([last.dueOn, last.onTime]).toEqual(['2026-04-05', false]);
    // May's period had begun (6 April): the same report settles it, on time.
    expect((await handle().query(defs.stateQuery)).period).toEqual({ from: '2026-05-06', due: '2026-06-05' });
    await sleepUntil('2026-04-30T10:00:00');
    expect(await chased()).toHaveLength(2);
  });

  it('counts every period due in Q2 in the round: on time twice, late once, plus the round’s own report', async () => {
    for (const day of ['2026-05-04', '2026-06-03', '2026-07-02']) {
      await sleepUntil(`${day}T10:00:00`);
      await report(`${day} 进展`);
    }
    const sup = env.client.workflow.getHandle(defs.planWorkflowId(saved.planId));
    await sup.executeUpdate(defs.closeRoundUpdate, { args: [{ actor: office }] });
    const round = await prisma.supervisionRound.findFirstOrThrow({ where: { planId: saved.planId, quarter: 2 } });
    expect(round.status).toBe('CLOSED');
    const [dept] = (JSON.parse(round.evaluation!) as { departments: Record<string, number>[] }).departments;
    expect(dept).toMatchObject({ reportsDue: 4, reportsOnTime: 3, reportsLate: 1, reportsMissing: 0 });
  });

  it('reports monthly to the end of the year without another reminder', async () => {
    for (const month of ['08', '09', '10', '11', '12']) {
      await sleepUntil(`2026-${month}-03T10:00:00`);
      await report(`${month}月进展`);
    }
    await sleepUntil('2026-12-20T10:00:00');
    expect(await chased()).toHaveLength(2);
    const reports = await prisma.progressReport.findMany({
      where: { taskId: taskId() },
      orderBy: { submittedAt: 'asc' },
    });
    expect(reports.filter((r) => !r.onTime).map((r) => r.dueOn)).toEqual(['2026-04-05']);
  });
});
