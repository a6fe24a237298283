/**
 * 序时进度 in skipped time: a task judged against its schedule turns yellow as
 * working days pass without progress, raises a 督办单 by itself after two
 * yellow weeks, and a red light returns to yellow only after the task caught up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { savePlan, startTaskWorkflows, type SavedPlan } from '../../services/plans.ts';
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

const TASK_QUEUE = 'duban-schedule';
const at = (local: string) => new Date(`${local}+08:00`).getTime();

let env: TestWorkflowEnvironment;
let prisma: PrismaClient;
let org: Org;
let saved: SavedPlan;
let testWorker: RunningTestWorker;
let office: Actor;
let lead: Actor;

const plan: ParsedPlan = {
  title: '序时进度测试方案',
  issuer: '测试县人民政府办公室',
  doc_number: null,
  departments: ['县卫健局'],
  plan_targets: [],
  warnings: [],
  tasks: [
    {
      path: ['一、重点任务', '(一)推进紧密型医共体建设'],
      title: '推进紧密型医共体建设',
      lead: ['县卫健局'],
      cooperating: [],
      deadlines: [{ text: '2026年3月27日前', date: '2026-03-27' }],
      targets: [],
      recurrence: null,
    },
  ],
} as unknown as ParsedPlan;

const handle = () => env.client.workflow.getHandle(defs.taskWorkflowId(saved.tasks[0]!.id));
const sleepUntil = async (local: string) => {
  const now = await env.currentTimeMs();
  if (at(local) > now) await env.sleep(at(local) - now);
};
const row = () => prisma.task.findUniqueOrThrow({ where: { id: saved.tasks[0]!.id } });
const report = (progress: number) =>
  handle().executeUpdate(defs.submitReportUpdate, {
    args: [{ actor: lead, progress, narrative: `已完成 ${progress}%` }],
  });
const lights = async () =>
  (
    await prisma.taskEvent.findMany({ where: { taskId: saved.tasks[0]!.id, kind: 'HEALTH' }, orderBy: { seq: 'asc' } })
  ).map(
    (e) =>
      JSON.parse(e.data) as { from: string; to: string; reason: string; expected: number | null; progress: number },
  );
const lagging = () => prisma.notice.findMany({ where: { taskId: saved.tasks[0]!.id, kind: 'LAGGING' } });

beforeAll(async () => {
  const db = await freshDatabase();
  prisma = db.prisma;
  org = await seedOrg(prisma, plan.departments);
  office = { userId: org.office.id, role: 'OFFICE', departmentId: null };
  lead = { userId: org.departments[0]!.userId, role: 'DEPARTMENT', departmentId: org.departments[0]!.id };
  saved = await savePlan(prisma, plan, { text: '…', format: 'txt' }, { createdById: org.office.id });
  // The plan judges lights by 序时进度 before its tasks start: they read it at their start.
  await prisma.plan.update({
    where: { id: saved.planId },
    data: { settings: JSON.stringify({ schedule: { mode: 'SCHEDULE' } }) },
  });
  env = await timeSkippingEnv('2026-03-02T08:00:00+08:00');
  testWorker = await runTestWorker(env, TASK_QUEUE, { prisma, config: db.config });
  await startTaskWorkflows(env.client, prisma, TASK_QUEUE, saved, office);
}, 120_000);

afterAll(async () => {
  await testWorker?.stop();
  await keepHistories(env?.client, 'schedule');
  await env?.teardown();
  await prisma?.$disconnect();
});

describe('序时进度 through March 2026 (20 working days, due Friday the 27th)', () => {
  it('is ahead (blue) with 10% on day one and back to green the next day as the schedule moves on', async () => {
    await handle().executeUpdate(defs.assignUpdate, {
      args: [{ actor: office, leadDepartmentId: saved.tasks[0]!.leadDepartmentId!, cooperatingDepartmentIds: [] }],
    });
    await handle().executeUpdate(defs.acknowledgeUpdate, { args: [{ actor: lead }] });
    await report(10);
    await sleepUntil('2026-03-02T12:00:00');
    expect((await row()).health).toBe('BLUE');
    await sleepUntil('2026-03-03T10:00:00');
    expect((await row()).health).toBe('GREEN'); // 5% expected: 5 ahead
  });

  it('turns yellow by itself when working days pass without progress (15 points behind once Friday the 6th has passed)', async () => {
    await sleepUntil('2026-03-06T10:00:00');
    expect((await row()).health).toBe('GREEN'); // 20% expected: exactly 10 behind
    await sleepUntil('2026-03-07T10:00:00');
    expect((await row()).health).toBe('YELLOW');
    expect((await lights()).at(-1)).toMatchObject({
      to: 'YELLOW',
      reason: 'BEHIND_SCHEDULE',
      expected: 25,
      progress: 10,
    });
  });

  it('raises a 督办单 by itself after two whole yellow weeks in a row, once', async () => {
    await sleepUntil('2026-03-12T10:00:00');
    await report(25); // 40% expected: still yellow
    await sleepUntil('2026-03-16T10:00:00');
    expect(await lagging()).toHaveLength(0); // one whole yellow week (9–15 March)
    await sleepUntil('2026-03-17T10:00:00');
    await report(40); // 55% expected
    await sleepUntil('2026-03-20T10:00:00');
    await report(45); // 70% expected; 75% once Friday has passed: 30 behind is still yellow
    expect((await row()).health).toBe('YELLOW');
    expect(await lagging()).toHaveLength(0);
    await sleepUntil('2026-03-23T09:00:00');
    const raised = await lagging();
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ level: 2 });
    expect((await row()).escalationLevel).toBeGreaterThanOrEqual(2);
    const escalated = await prisma.taskEvent.findMany({ where: { taskId: saved.tasks[0]!.id, kind: 'ESCALATED' } });
    expect(escalated.map((e) => JSON.parse(e.data))).toEqual([{ level: 2, auto: 'YELLOW_WEEKS', weeks: 2 }]);
  });

  it('keeps a red task red until it has caught up, then yellow for that day, then green', async () => {
    // 80% expected on Tuesday the 24th, 45% reported: red.
    await sleepUntil('2026-03-24T10:00:00');
    expect((await row()).health).toBe('RED');
    await report(75);
    expect((await row()).health).toBe('RED');
    await report(80);
    await sleepUntil('2026-03-24T11:00:00');
    expect((await row()).health).toBe('YELLOW');
    await sleepUntil('2026-03-25T10:00:00');
    expect((await row()).health).toBe('GREEN');
    expect((await lights()).map((l) => l.to)).toEqual(['BLUE', 'GREEN', 'YELLOW', 'RED', 'YELLOW', 'GREEN']);
    expect((await lights()).at(-2)).toMatchObject({ reason: 'CAUGHT_UP' });
    expect(await lagging()).toHaveLength(1);
  });
});
