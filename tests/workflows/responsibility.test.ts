/**
 * 退单, 挂起, 回头看, the extension rules and 佐证材料 at closure, in skipped
 * time through the first quarter of 2026 (one plan, four tasks):
 *  A  paused from 2 March until 16 March: its notices move by exactly the ten
 *     paused working days, none is sent while paused, and work resumes by itself;
 *  B  disputed and not decided in three working days: supervisors are told,
 *     then the office reassigns it — the deadline stands;
 *  C  disputed, the office insists; an extension asked after the cutoff is refused;
 *  D  closure needs evidence and the office's three ticks; a returned closure's
 *     rework gets no extension; reopened (回头看) and closed again, the workflow
 *     ends when the reopening period is over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { savePlan, startTaskWorkflows, type SavedPlan } from '../../services/plans.ts';
import { createCalendar } from '../../domain/calendar.ts';
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

const TASK_QUEUE = 'duban-responsibility';
const at = (local: string) => new Date(`${local}+08:00`).getTime();
const CHECKED = { factsClear: true, problemSolved: true, materialsComplete: true };

let env: TestWorkflowEnvironment;
let prisma: PrismaClient;
let org: Org;
let saved: SavedPlan;
let testWorker: RunningTestWorker;
let office: Actor;
let lead: Actor;

const task = (title: string, date: string) => ({
  path: ['一、重点任务', title],
  title,
  lead: ['县卫健局'],
  cooperating: [],
  deadlines: [{ text: date, date }],
  targets: [],
  recurrence: null,
});
const plan = {
  title: '责任与时钟测试方案',
  issuer: '测试县医改办',
  doc_number: null,
  departments: ['县卫健局', '县医保局'],
  plan_targets: [],
  warnings: [],
  tasks: [
    task('A 推进医共体建设', '2026-03-10'),
    task('B 落实医保支付改革', '2026-06-30'),
    task('C 开展满意度调查', '2026-01-20'),
    task('D 完善家庭医生签约', '2026-02-27'),
  ],
} as unknown as ParsedPlan;

const id = (i: number) => saved.tasks[i]!.id;
const handle = (i: number) => env.client.workflow.getHandle(defs.taskWorkflowId(id(i)));
const sleepUntil = async (local: string) => {
  const now = await env.currentTimeMs();
  if (at(local) > now) await env.sleep(at(local) - now);
};
const refusal = async (p: Promise<unknown>) => {
  const err = (await p.then(
    () => null,
    (e: unknown) => e,
  )) as { cause?: { details?: { zh?: string }[]; type?: string } } | null;
  expect(err, 'the command should have been refused').not.toBeNull();
  return { type: err!.cause?.type, zh: err!.cause?.details?.[0]?.zh ?? '' };
};
const events = async (i: number) =>
  (await prisma.taskEvent.findMany({ where: { taskId: id(i) }, orderBy: { seq: 'asc' } })).map((e) => e.kind);
const notices = (i: number, kind?: string) =>
  prisma.notice.findMany({ where: { taskId: id(i), ...(kind ? { kind } : {}) }, orderBy: { fireAt: 'asc' } });
const row = (i: number) => prisma.task.findUniqueOrThrow({ where: { id: id(i) } });

beforeAll(async () => {
  const db = await freshDatabase();
  prisma = db.prisma;
  org = await seedOrg(prisma, plan.departments);
  office = { userId: org.office.id, role: 'OFFICE', departmentId: null };
  lead = { userId: org.departments[0]!.userId, role: 'DEPARTMENT', departmentId: org.departments[0]!.id };
  saved = await savePlan(prisma, plan, { text: '…', format: 'txt' }, { createdById: org.office.id });
  await prisma.plan.update({
    where: { id: saved.planId },
    data: {
      settings: JSON.stringify({
        extensionRules: { minWorkingDaysBefore: 5, allowAfterReturn: false },
        evidence: { requiredForClosure: true },
        responsibility: { reopenWindowDays: 30 },
      }),
    },
  });
  env = await timeSkippingEnv('2026-01-05T09:00:00+08:00');
  testWorker = await runTestWorker(env, TASK_QUEUE, { prisma, config: db.config });
  await startTaskWorkflows(env.client, prisma, TASK_QUEUE, saved, office);
  for (const i of [0, 1, 2, 3]) {
    await handle(i).executeUpdate(defs.assignUpdate, {
      args: [{ actor: office, leadDepartmentId: org.departments[0]!.id, cooperatingDepartmentIds: [] }],
    });
  }
  for (const i of [0, 3]) await handle(i).executeUpdate(defs.acknowledgeUpdate, { args: [{ actor: lead }] });
}, 120_000);

afterAll(async () => {
  await testWorker?.stop();
  await keepHistories(env?.client, 'responsibility');
  await env?.teardown();
  await prisma?.$disconnect();
});

describe('退单: a dispute over ownership', () => {
  it('B and C are disputed before 签收; a dispute needs a reason and cannot be raised twice', async () => {
    await sleepUntil('2026-01-06T10:00:00');
    const empty = await refusal(handle(1).executeUpdate(defs.disputeUpdate, { args: [{ actor: lead, reason: ' ' }] }));
    expect(empty.zh).toContain('退单理由不能为空');
    for (const i of [1, 2]) {
      await handle(i).executeUpdate(defs.disputeUpdate, {
        args: [{ actor: lead, reason: '该项工作属医保部门职责' }],
      });
    }
    const twice = await refusal(
      handle(1).executeUpdate(defs.disputeUpdate, { args: [{ actor: lead, reason: '再次退单' }] }),
    );
    expect(twice.zh).toContain('正在等待办公室裁定');
    const state = await handle(1).query(defs.stateQuery);
    expect(state.dispute).toMatchObject({ raisedOn: '2026-01-06', decideBy: '2026-01-09' });
    expect(JSON.parse((await row(1)).responsibility).dispute.decideBy).toBe('2026-01-09');
    // The office hears of it at once.
    expect((await notices(1, 'DISPUTED')).map((n) => JSON.parse(n.recipients))).toEqual([['OFFICE']]);
  });

  it('C: the office insists; the department then signs for it, and can no longer dispute', async () => {
    await sleepUntil('2026-01-07T10:00:00');
    const noReason = await refusal(
      handle(2).executeUpdate(defs.decideDisputeUpdate, { args: [{ actor: office, reassign: false, reason: '' }] }),
    );
    expect(noReason.zh).toContain('裁定理由不能为空');
    await handle(2).executeUpdate(defs.decideDisputeUpdate, {
      args: [{ actor: office, reassign: false, reason: '方案明确由卫健局牵头' }],
    });
    await handle(2).executeUpdate(defs.acknowledgeUpdate, { args: [{ actor: lead }] });
    const late = await refusal(
      handle(2).executeUpdate(defs.disputeUpdate, { args: [{ actor: lead, reason: '仍有异议' }] }),
    );
    expect(late.type).toBe('INVALID_STATE');
    expect(await events(2)).toEqual(expect.arrayContaining(['DISPUTED', 'DISPUTE_REJECTED', 'ACKNOWLEDGED']));
    expect((await row(2)).leadDepartmentId).toBe(org.departments[0]!.id);
  });

  it('B: undecided after three working days, the supervisors are told once; then the office reassigns', async () => {
    await sleepUntil('2026-01-09T18:00:00');
    expect(await notices(1, 'DISPUTE_OVERDUE')).toEqual([]);
    await sleepUntil('2026-01-12T10:00:00');
    const overdue = await notices(1, 'DISPUTE_OVERDUE');
    expect(overdue).toHaveLength(1);
    expect(JSON.parse(overdue[0]!.recipients)).toEqual(['SUPERVISOR', 'OFFICE']);
    expect(new Date(overdue[0]!.fireAt).getTime()).toBe(at('2026-01-12T09:00:00'));
    const same = await refusal(
      handle(1).executeUpdate(defs.decideDisputeUpdate, {
        args: [{ actor: office, reassign: true, leadDepartmentId: org.departments[0]!.id, reason: '改派' }],
      }),
    );
    expect(same.zh).toContain('请改派给其他单位');
    await handle(1).executeUpdate(defs.decideDisputeUpdate, {
      args: [{ actor: office, reassign: true, leadDepartmentId: org.departments[1]!.id, reason: '由医保局牵头' }],
    });
    const b = await row(1);
    expect(b).toMatchObject({ leadDepartmentId: org.departments[1]!.id, status: 'ASSIGNED', dueDate: '2026-06-30' });
    expect(JSON.parse(b.responsibility).dispute).toBeNull();
    expect(await events(1)).toEqual(expect.arrayContaining(['DISPUTED', 'DISPUTE_OVERDUE', 'DISPUTE_REASSIGNED']));
  });
});

describe('延期规则 and 佐证材料', () => {
  it('D: a closure needs evidence; approval needs all three ticks; rework after a return is not extended', async () => {
    await sleepUntil('2026-01-12T11:00:00');
    const bare = await refusal(
      handle(3).executeUpdate(defs.requestClosureUpdate, { args: [{ actor: lead, summary: '已完成' }] }),
    );
    expect(bare.zh).toContain('附佐证材料');
    await handle(3).executeUpdate(defs.requestClosureUpdate, {
      args: [{ actor: lead, summary: '已完成', evidenceIds: ['evidence-1'] }],
    });
    const unticked = await refusal(
      handle(3).executeUpdate(defs.reviewClosureUpdate, {
        args: [{ actor: office, approve: true, checklist: { ...CHECKED, materialsComplete: false } }],
      }),
    );
    expect(unticked.zh).toContain('事实清楚、问题解决、资料齐全');
    await handle(3).executeUpdate(defs.reviewClosureUpdate, {
      args: [{ actor: office, approve: false, reason: '签约率数据缺少佐证' }],
    });
    const extension = await refusal(
      handle(3).executeUpdate(defs.requestExtensionUpdate, {
        args: [{ actor: lead, requestedDueDate: '2026-03-31', reason: '需要补充材料' }],
      }),
    );
    expect(extension.zh).toContain('整改不予延期');
  });

  it('C: an extension asked within five working days of the deadline is refused, with the cutoff day', async () => {
    await sleepUntil('2026-01-14T10:00:00');
    const late = await refusal(
      handle(2).executeUpdate(defs.requestExtensionUpdate, {
        args: [{ actor: lead, requestedDueDate: '2026-02-27', reason: '调查样本不足' }],
      }),
    );
    expect(late.zh).toContain('完成时限前 5 个工作日提出（最迟 2026-01-13）');
    expect((await row(2)).dueDate).toBe('2026-01-20');
  });
});

describe('回头看: reopening a closed task', () => {
  it('D closes, is reopened with a new deadline and a reason, and closes again: both closures are on record', async () => {
    await handle(3).executeUpdate(defs.requestClosureUpdate, {
      args: [{ actor: lead, summary: '已补充材料', evidenceIds: ['evidence-2'] }],
    });
    await handle(3).executeUpdate(defs.reviewClosureUpdate, {
      args: [{ actor: office, approve: true, checklist: CHECKED }],
    });
    expect(JSON.parse((await row(3)).responsibility)).toMatchObject({
      closedOn: '2026-01-14',
      reopenUntil: '2026-02-13',
    });
    const past = await refusal(
      handle(3).executeUpdate(defs.reopenUpdate, {
        args: [{ actor: office, reason: '回头看', dueDate: '2026-01-05' }],
      }),
    );
    expect(past.zh).toContain('应晚于今天');
    await sleepUntil('2026-01-15T10:00:00');
    await handle(3).executeUpdate(defs.reopenUpdate, {
      args: [{ actor: office, reason: '回头看发现签约服务未落实', dueDate: '2026-02-27' }],
    });
    expect(await row(3)).toMatchObject({ status: 'IN_PROGRESS', dueDate: '2026-02-27', closedAt: null });
    await handle(3).executeUpdate(defs.requestClosureUpdate, {
      args: [{ actor: lead, summary: '整改到位', evidenceIds: ['evidence-3'] }],
    });
    await handle(3).executeUpdate(defs.reviewClosureUpdate, {
      args: [{ actor: office, approve: true, checklist: CHECKED }],
    });
    const kinds = await events(3);
    expect(kinds.filter((k) => k === 'CLOSED')).toHaveLength(2);
    expect(kinds).toContain('REOPENED');
    expect(await prisma.closureReview.count({ where: { taskId: id(3), status: 'APPROVED' } })).toBe(2);
    expect(JSON.parse((await row(3)).responsibility)).toMatchObject({ reopened: 1, reopenUntil: '2026-02-14' });
  });

  it('the workflow ends when the reopening period is over', async () => {
    await sleepUntil('2026-02-13T10:00:00');
    expect((await handle(3).describe()).status.name).toBe('RUNNING');
    await sleepUntil('2026-02-15T10:00:00');
    expect((await handle(3).describe()).status.name).toBe('COMPLETED');
  });
});

describe('挂起: pausing the clock', () => {
  it('a pause needs a reason and a resume date after today; the office approves', async () => {
    await sleepUntil('2026-03-02T10:00:00');
    const noReason = await refusal(
      handle(0).executeUpdate(defs.requestPauseUpdate, { args: [{ actor: lead, reason: '', until: '2026-03-16' }] }),
    );
    expect(noReason.zh).toContain('挂起理由不能为空');
    const past = await refusal(
      handle(0).executeUpdate(defs.requestPauseUpdate, {
        args: [{ actor: lead, reason: '等待省级审批', until: '2026-03-01' }],
      }),
    );
    expect(past.zh).toContain('应晚于今天');
    await handle(0).executeUpdate(defs.requestPauseUpdate, {
      args: [{ actor: lead, reason: '等待省卫健委审批医共体章程', until: '2026-03-16' }],
    });
    const before = await handle(0).query(defs.pendingNoticesQuery);
    expect(before.map((n) => [n.kind, n.date])).toEqual([
      ['WARNING', '2026-03-03'],
      ['LEVEL1', '2026-03-11'],
      ['LEVEL2', '2026-03-13'],
      ['LEVEL3', '2026-03-24'],
    ]);
    await handle(0).executeUpdate(defs.decidePauseUpdate, { args: [{ actor: office, approve: true }] });
    expect(await handle(0).query(defs.pendingNoticesQuery)).toEqual([]);
    expect(JSON.parse((await row(0)).responsibility).pause).toMatchObject({ since: '2026-03-02', until: '2026-03-16' });
    const close = await refusal(
      handle(0).executeUpdate(defs.requestClosureUpdate, {
        args: [{ actor: lead, summary: '已完成', evidenceIds: ['x'] }],
      }),
    );
    expect(close.zh).toContain('挂起期间不能申请办结');
  });

  it('nothing is sent while paused; work resumes by itself and every notice moves by the ten paused working days', async () => {
    await sleepUntil('2026-03-13T18:00:00');
    expect(await notices(0, 'WARNING')).toEqual([]);
    await sleepUntil('2026-03-16T10:00:00');
    const a = await row(0);
    const calendar = createCalendar();
    expect(a.dueDate).toBe(calendar.addWorkingDays('2026-03-10', 10));
    const resumed = await prisma.taskEvent.findFirstOrThrow({ where: { taskId: id(0), kind: 'RESUMED' } });
    expect(JSON.parse(resumed.data)).toMatchObject({
      since: '2026-03-02',
      until: '2026-03-16',
      workingDays: 10,
      from: '2026-03-10',
      to: a.dueDate,
      auto: true,
    });
    expect(await notices(0, 'PAUSE_ENDED')).toHaveLength(1);
    const after = await handle(0).query(defs.pendingNoticesQuery);
    expect(after.map((n) => [n.kind, n.date])).toEqual([
      ['WARNING', calendar.addWorkingDays('2026-03-03', 10)],
      ['LEVEL1', calendar.addWorkingDays('2026-03-11', 10)],
      ['LEVEL2', calendar.addWorkingDays('2026-03-13', 10)],
      ['LEVEL3', calendar.addWorkingDays('2026-03-24', 10)],
    ]);
    await sleepUntil('2026-03-17T10:00:00');
    expect((await notices(0, 'WARNING')).map((n) => n.fireAt.toISOString())).toEqual([
      new Date(at('2026-03-17T09:00:00')).toISOString(),
    ]);
  });
});
