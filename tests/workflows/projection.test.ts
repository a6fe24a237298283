/**
 * The read model converges to exactly the workflow's state (issue 10.2). A
 * local activity writes before its workflow task is committed; when that
 * task is lost the workflow projects the same seq again with other content.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.ts';
import type { ProjectTaskInput } from '../../activities/types.ts';
import { savePlan, type SavedPlan } from '../../activities/plans.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import { freshDatabase, seedOrg, testPlan, type Org } from '../support/harness.ts';

let prisma: PrismaClient;
let org: Org;
let saved: SavedPlan;
let project: (i: ProjectTaskInput) => Promise<void>;

beforeAll(async () => {
  const db = await freshDatabase();
  prisma = db.prisma;
  const plan = testPlan('投影测试', [{ title: '任务', lead: '县卫健局', due: '2026-06-30' }]);
  org = await seedOrg(prisma, plan.departments);
  saved = await savePlan(prisma, plan, { text: '…', format: 'txt' });
  project = createActivities({ prisma, config: db.config }).projectTask;
});
afterAll(() => prisma?.$disconnect());

function input(
  seq: number,
  attempt: number,
  kind: string,
  extra: ProjectTaskInput['extra'] = {},
  over = {},
): ProjectTaskInput {
  const t = saved.tasks[0]!;
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
