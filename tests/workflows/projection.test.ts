/**
 * The read model converges to exactly the workflow's state (issue 10.2). A
 * local activity writes before its workflow task is committed; when that
 * task is lost the workflow projects the same seq again with other content.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.ts';
import type { ProjectTaskInput } from '../../activities/types.ts';
import { savePlan, type SavedPlan } from '../../services/plans.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import { freshDatabase, seedOrg, testPlan, type Org } from '../support/harness.ts';

let prisma: PrismaClient;
let org: Org;
let saved: SavedPlan;
let project: (i: ProjectTaskInput) => Promise<void>;

beforeAll(async () => {
  const db = await freshDatabase();
  prisma = db.prisma;
  const plan = testPlan(
    '投影测试',
    Array.from({ length: 7 }, (_, i) => ({ title: `任务${i || ''}`, lead: '县卫健局', due: '2026-06-30' })),
  );
  org = await seedOrg(prisma, plan.departments);
  saved = await savePlan(prisma, plan, { text: '…', format: 'txt' });
  project = createActivities({ prisma, config: db.config }).projectTask;
});
afterAll(() => prisma?.$disconnect());

/** The order of an execution of the workflow (see projectionOrder in workflows/reformTask.ts). */
const orderOf = (historyLength: number, taskTime = 0, runStart = 1) =>
  [runStart, historyLength, taskTime].map((n, i) => String(n).padStart(i === 1 ? 10 : 15, '0')).join('.');

function input(
  seq: number,
  attempt: number,
  kind: string,
  extra: ProjectTaskInput['extra'] = {},
  over = {},
  taskIndex = 0,
): ProjectTaskInput {
  const t = saved.tasks[taskIndex]!;
  return {
    task: {
      taskId: t.id,
      planId: saved.planId,
      title: t.title,
      status: 'IN_PROGRESS',
      leadDepartmentId: org.departments[0]!.id,
      cooperatingDepartmentIds: [],
      dueDate: '2026-06-30',
      assignedOn: '2026-02-02',
      acknowledgedOn: '2026-02-03',
      progress: 10,
      escalationLevel: 0,
      pendingExtension: null,
      pendingClosure: null,
      seq,
      health: 'GREEN',
      milestones: [],
      attempt,
      order: orderOf(attempt),
      ...over,
    },
    event: { id: `${t.id}:${seq}`, at: new Date(Date.UTC(2026, 1, 2, seq)).toISOString(), kind },
    extra,
  };
}

describe('projectTask', () => {
  it('drops a phantom change when the same seq is projected again, and keeps the real one', async () => {
    const t = saved.tasks[0]!;
    const dept = org.departments[0]!;
    await project(input(6, 10, 'ACKNOWLEDGED'));
    // Phantom: a closure request at seq 7 whose workflow task was never committed.
    await project(
      input(
        7,
        12,
        'CLOSURE_REQUESTED',
        {
          closure: {
            id: 'same-uuid',
            requestedBy: dept.userId,
            summary: '已完成',
            at: '2026-02-02T07:00:00Z',
            status: 'PENDING',
          },
        },
        {
          status: 'CLOSURE_REQUESTED',
          pendingClosure: { id: 'same-uuid', requestedBy: dept.userId, summary: '已完成', at: '' },
        },
      ),
    );
    // The workflow ran again from seq 6: the real seq 7 is a report, with the same uuid (same random seed).
    await project(
      input(
        7,
        15,
        'REPORTED',
        {
          report: {
            id: 'same-uuid',
            kind: 'REPORT',
            departmentId: dept.id,
            authorId: dept.userId,
            progress: 30,
            narrative: '推进中',
            actuals: [],
          },
        },
        { progress: 30 },
      ),
    );
    // A straggler of the lost attempt arrives late: it changes nothing.
    await project(
      input(
        7,
        12,
        'CLOSURE_REQUESTED',
        {
          closure: {
            id: 'late',
            requestedBy: dept.userId,
            summary: 'x',
            at: '2026-02-02T07:00:00Z',
            status: 'PENDING',
          },
        },
        { status: 'CLOSURE_REQUESTED' },
      ),
    );
    // And the next real change is not swallowed.
    await project(
      input(
        8,
        16,
        'INSTRUCTION',
        { instruction: { id: 'ins-1', authorId: org.supervisor.id, text: '抓紧' } },
        { progress: 30 },
      ),
    );

    const row = await prisma.task.findUniqueOrThrow({ where: { id: t.id } });
    expect(row).toMatchObject({ status: 'IN_PROGRESS', progress: 30, projectionSeq: 8 });
    expect(await prisma.closureReview.count({ where: { taskId: t.id } })).toBe(0);
    expect(
      await prisma.progressReport.findMany({ where: { taskId: t.id }, select: { id: true, progress: true } }),
    ).toEqual([{ id: 'same-uuid', progress: 30 }]);
    const events = await prisma.taskEvent.findMany({ where: { taskId: t.id }, orderBy: { seq: 'asc' } });
    expect(events.map((e) => [e.seq, e.kind])).toEqual([
      [6, 'ACKNOWLEDGED'],
      [7, 'REPORTED'],
      [8, 'INSTRUCTION'],
    ]);
    expect(await prisma.instruction.count({ where: { taskId: t.id } })).toBe(1);
  });

  it('undoes a phantom decision on a request the workflow still holds pending', async () => {
    const t = saved.tasks[0]!;
    const dept = org.departments[0]!;
    const ext = {
      id: 'ext-1',
      requestedBy: dept.userId,
      requestedDueDate: '2026-09-30',
      reason: '等待',
      at: '2026-02-02T09:00:00Z',
    };
    await project(
      input(
        9,
        20,
        'EXTENSION_REQUESTED',
        { extension: { ...ext, currentDueDate: '2026-06-30', status: 'PENDING' } },
        { pendingExtension: ext },
      ),
    );
    await project(
      input(
        10,
        22,
        'EXTENSION_APPROVED',
        { extension: { ...ext, currentDueDate: '2026-06-30', status: 'APPROVED', decidedBy: org.office.id } },
        { dueDate: '2026-09-30' },
      ),
    );
    // Lost: the real seq 10 is a report; the request is still pending in the workflow.
    await project(
      input(
        10,
        25,
        'REPORTED',
        {
          report: {
            id: 'r-2',
            kind: 'REPORT',
            departmentId: dept.id,
            authorId: dept.userId,
            progress: 35,
            narrative: '推进',
            actuals: [],
          },
        },
        { pendingExtension: ext, progress: 35 },
      ),
    );
    const row = await prisma.task.findUniqueOrThrow({ where: { id: t.id } });
    expect(row.dueDate).toBe('2026-06-30');
    expect(await prisma.extensionRequest.findUniqueOrThrow({ where: { id: 'ext-1' } })).toMatchObject({
      status: 'PENDING',
      decidedById: null,
    });
  });

  it('a resync from a later workflow task removes a phantom that no real change followed', async () => {
    const t = saved.tasks[0]!;
    // Phantom seq 11 (a closure approved in a workflow task that was lost); the workflow is still at seq 10.
    await project(input(11, 30, 'CLOSED', {}, { status: 'CLOSED', progress: 100 }));
    await project({ ...input(10, 40, 'RESYNC', {}, { progress: 35 }), resync: true });
    const row = await prisma.task.findUniqueOrThrow({ where: { id: t.id } });
    expect(row).toMatchObject({ status: 'IN_PROGRESS', progress: 35, projectionSeq: 10 });
    expect(await prisma.taskEvent.count({ where: { taskId: t.id, seq: 11 } })).toBe(0);
    expect(await prisma.taskEvent.count({ where: { taskId: t.id, seq: 10 } })).toBe(1);
  });
});

/**
 * Found by the fault soaks of 2026-12-02 (DUBAN_PROJECTION_LOG): the history
 * length alone does not order the executions of a workflow task, and pending
 * requests were left over.
 */
describe('projectTask orders writes by execution', () => {
  const at = (i: number) => ({
    i,
    id: () => saved.tasks[i]!.id,
    project: (
      seq: number,
      order: string,
      kind: string,
      extra: ProjectTaskInput['extra'] = {},
      over: Partial<ProjectTaskInput['task']> = {},
      resync = false,
    ) => project({ ...input(seq, Number(order.split('.')[1]), kind, extra, { ...over, order }, i), resync }),
  });
  const report = (id: string, progress: number) => ({
    report: {
      id,
      kind: 'REPORT' as const,
      departmentId: org.departments[0]!.id,
      authorId: org.departments[0]!.userId,
      progress,
      narrative: '推进',
      actuals: [],
    },
  });
  const timeline = async (taskId: string) =>
    (await prisma.taskEvent.findMany({ where: { taskId }, orderBy: { seq: 'asc' } })).map((e) => [e.seq, e.kind]);

  it('a later execution replaces a lost one’s changes even below the seq they reached', async () => {
    // Soak: a lost workflow task (history length 341) projected seqs 31 and 32; the task that
    // replaced it (344) made a different change 31. It was refused (32 > 31) and lost for good.
    const t = at(1);
    await t.project(30, orderOf(300), 'REPORTED', report('r30', 30), { progress: 30 });
    await t.project(31, orderOf(341), 'REPORTED', report('phantom-31', 40), { progress: 40 });
    await t.project(32, orderOf(341), 'REPORTED', report('phantom-32', 50), { progress: 50 });
    await t.project(31, orderOf(344), 'REPORTED', report('real-31', 45), { progress: 45 });
    await t.project(32, orderOf(344), 'INSTRUCTION', {}, { progress: 45 });
    const row = await prisma.task.findUniqueOrThrow({ where: { id: t.id() } });
    expect(row).toMatchObject({ projectionSeq: 32, progress: 45 });
    expect(await timeline(t.id())).toEqual([
      [30, 'REPORTED'],
      [31, 'REPORTED'],
      [32, 'INSTRUCTION'],
    ]);
    const reports = await prisma.progressReport.findMany({ where: { taskId: t.id() }, orderBy: { seq: 'asc' } });
    expect(reports.map((r) => r.id)).toEqual(['r30', 'real-31']);
  });

  it('a lost attempt’s write that lands after the attempt that replaced it (same history length) changes nothing', async () => {
    // A retried or re-run workflow task starts at the same event id as the attempt it replaces;
    // the worker may still be running that attempt's local activity.
    const t = at(2);
    await t.project(5, orderOf(50, 1_000), 'REPORTED', report('r5', 20), { progress: 20 });
    await t.project(6, orderOf(53, 9_000), 'REPORTED', report('real-6', 25), { progress: 25 });
    await t.project(
      6,
      orderOf(53, 2_000),
      'CLOSURE_REQUESTED',
      { closure: { id: 'zombie', requestedBy: org.departments[0]!.userId, summary: 'x', at: '', status: 'PENDING' } },
      { status: 'CLOSURE_REQUESTED' },
    );
    const row = await prisma.task.findUniqueOrThrow({ where: { id: t.id() } });
    expect(row).toMatchObject({ projectionSeq: 6, status: 'IN_PROGRESS', progress: 25 });
    expect(await timeline(t.id())).toEqual([
      [5, 'REPORTED'],
      [6, 'REPORTED'],
    ]);
    expect(await prisma.closureReview.count({ where: { taskId: t.id() } })).toBe(0);
  });

  it('withdraws a pending extension request the workflow no longer holds when it holds another', async () => {
    // Soak: two requests accepted at once; the workflow holds the second, the read model listed both.
    const t = at(3);
    const ext = (id: string, to: string) => ({
      id,
      requestedBy: org.departments[0]!.userId,
      requestedDueDate: to,
      reason: '等待',
      at: '2026-02-02T09:00:00Z',
    });
    const a = ext('ext-a', '2026-09-30');
    const b = ext('ext-b', '2026-10-31');
    await t.project(
      3,
      orderOf(30),
      'EXTENSION_REQUESTED',
      { extension: { ...a, currentDueDate: '2026-06-30', status: 'PENDING' } },
      { pendingExtension: a },
    );
    await t.project(
      4,
      orderOf(30),
      'EXTENSION_REQUESTED',
      { extension: { ...b, currentDueDate: '2026-06-30', status: 'PENDING' } },
      { pendingExtension: b },
    );
    const pending = await prisma.extensionRequest.findMany({ where: { taskId: t.id(), status: 'PENDING' } });
    expect(pending.map((r) => r.id)).toEqual(['ext-b']);
    expect(await prisma.extensionRequest.findUniqueOrThrow({ where: { id: 'ext-a' } })).toMatchObject({
      status: 'WITHDRAWN',
    });
  });

  it('a resync makes its own seq’s request pending again when a lost workflow task decided it', async () => {
    // Soak: closure requested at 26, returned at 27 by a workflow task that was lost; the resync at
    // 26 removed 27 but left the request RETURNED while the workflow still held it.
    const t = at(4);
    const closure = {
      id: 'cl-26',
      requestedBy: org.departments[0]!.userId,
      summary: '已完成',
      at: '2026-02-02T09:00:00Z',
    };
    const asked = { status: 'CLOSURE_REQUESTED' as const, pendingClosure: closure };
    await t.project(26, orderOf(246), 'CLOSURE_REQUESTED', { closure: { ...closure, status: 'PENDING' } }, asked);
    await t.project(27, orderOf(257), 'CLOSURE_RETURNED', {
      closure: { ...closure, status: 'RETURNED', reviewerId: org.office.id },
    });
    await t.project(26, orderOf(264), 'RESYNC', {}, asked, true);
    const row = await prisma.task.findUniqueOrThrow({ where: { id: t.id() } });
    expect(row).toMatchObject({ projectionSeq: 26, status: 'CLOSURE_REQUESTED' });
    expect(await prisma.closureReview.findUniqueOrThrow({ where: { id: 'cl-26' } })).toMatchObject({
      status: 'PENDING',
      reviewerId: null,
    });
    expect(await timeline(t.id())).toEqual([[26, 'CLOSURE_REQUESTED']]);
  });

  it('a decision that names no request (two reviews accepted at once) records its change instead of failing for ever', async () => {
    // Histories from before 'update-checks-at-change' hold such a second review: its projection
    // threw on every retry and every later projection of the task waited behind it.
    const t = at(5);
    await t.project(1, orderOf(5), 'CLOSED', {}, { status: 'CLOSED', progress: 100 });
    await t.project(
      2,
      orderOf(5),
      'CLOSED',
      { closure: { status: 'APPROVED', reviewerId: org.office.id } as never },
      { status: 'CLOSED', progress: 100 },
    );
    const row = await prisma.task.findUniqueOrThrow({ where: { id: t.id() } });
    expect(row).toMatchObject({ projectionSeq: 2, status: 'CLOSED' });
    expect(await timeline(t.id())).toEqual([
      [1, 'CLOSED'],
      [2, 'CLOSED'],
    ]);
  });

  it('a run continued as new starts its history over, and its resync still removes the last run’s phantom', async () => {
    const t = at(6);
    await t.project(40, orderOf(1_950, 0, 1), 'REPORTED', report('r40', 40), { progress: 40 });
    await t.project(41, orderOf(1_990, 0, 1), 'CLOSED', {}, { status: 'CLOSED', progress: 100 });
    await t.project(40, orderOf(5, 0, 2), 'RESYNC', {}, { progress: 40 }, true);
    const row = await prisma.task.findUniqueOrThrow({ where: { id: t.id() } });
    expect(row).toMatchObject({ projectionSeq: 40, status: 'IN_PROGRESS', progress: 40 });
    expect(await timeline(t.id())).toEqual([[40, 'REPORTED']]);
  });
});
