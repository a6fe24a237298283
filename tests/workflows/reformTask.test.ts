/**
 * A 3-task plan through all of 2026 in skipped time, on the embedded engine
 * with the real worker, real SQLite read model, real SMTP and webhook servers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { savePlan, startPlanWorkflows, type SavedPlan } from '../../services/plans.ts';
import { createCalendar, shanghaiInstant } from '../../domain/calendar.ts';
import { planEscalation } from '../../domain/escalation.ts';
import type { ParsedPlan } from '../../domain/parser/index.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import * as defs from '../../workflows/definitions.ts';
import type { Actor } from '../../workflows/types.ts';
import {
  freshDatabase,
  seedOrg,
  startSmtp,
  startWebhookReceiver,
  timeSkippingEnv,
  workflowBundle,
  type Org,
  runTestWorker,
  type RunningTestWorker,
} from '../support/harness.ts';
import { keepHistories } from '../support/histories.ts';

const TASK_QUEUE = 'duban-test';
const at = (local: string) => new Date(`${local}+08:00`).getTime();

let env: TestWorkflowEnvironment;
let prisma: PrismaClient;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
let org: Org;
let saved: SavedPlan;
let testWorker: RunningTestWorker;
let office: Actor;
const dept = (i: number): Actor => ({
  userId: org.departments[i]!.userId,
  role: 'DEPARTMENT',
  departmentId: org.departments[i]!.id,
});
const handle = (i: number) => env.client.workflow.getHandle(defs.taskWorkflowId(saved.tasks[i]!.id));
const sleepUntil = async (local: string) => {
  const now = await env.currentTimeMs();
  const target = at(local);
  if (target > now) await env.sleep(target - now);
};
const notices = (taskIndex: number) =>
  prisma.notice.findMany({
    where: { taskId: saved.tasks[taskIndex]!.id },
    orderBy: [{ fireAt: 'asc' }, { level: 'asc' }],
  });
const task = (i: number) => prisma.task.findUniqueOrThrow({ where: { id: saved.tasks[i]!.id } });

const plan: ParsedPlan = {
  title: '测试县医改实施方案',
  issuer: '测试县人民政府办公室',
  doc_number: '测府办发〔2026〕1号',
  departments: ['县卫健局', '县财政局', '县医保局'],
  plan_targets: [],
  warnings: [],
  tasks: [
    {
      path: ['一、重点任务', '(一)组建医共体'],
      title: '组建医共体',
      lead: ['县卫健局'],
      cooperating: [],
      deadlines: [{ text: '2026年2月13日前', date: '2026-02-13' }],
      targets: [],
      recurrence: null,
    },
    {
      path: ['一、重点任务', '(二)推进医保支付方式改革'],
      title: '推进医保支付方式改革',
      lead: ['县财政局'],
      cooperating: ['县卫健局'],
      deadlines: [{ text: '2026年9月底前', date: '2026-09-30' }],
      targets: [{ text: '县域就诊率不低于90%', metric: '县域就诊率', comparator: '>=', value: 90, unit: '%' }],
      recurrence: 'quarterly',
    },
    {
      path: ['一、重点任务', '(三)建设信息平台'],
      title: '建设信息平台',
      lead: ['县医保局'],
      cooperating: [],
      deadlines: [{ text: '到2026年', date: '2026-12-31' }],
      targets: [],
      recurrence: null,
    },
  ],
};

beforeAll(async () => {
  smtp = await startSmtp();
  hooks = await startWebhookReceiver();
  const db = await freshDatabase({ SMTP_URL: smtp.url });
  prisma = db.prisma;
  org = await seedOrg(prisma, plan.departments, hooks.url);
  office = { userId: org.office.id, role: 'OFFICE', departmentId: null };
  saved = await savePlan(prisma, plan, { text: '…', format: 'txt' }, { createdById: org.office.id });
  env = await timeSkippingEnv('2026-02-02T08:00:00+08:00');
  testWorker = await runTestWorker(env, TASK_QUEUE, { prisma, config: db.config });
  await startPlanWorkflows(env.client, prisma, TASK_QUEUE, saved, plan.title!, office);
}, 120_000);

afterAll(async () => {
  await testWorker?.stop();
  await keepHistories(env?.client, 'reformTask');
  await env?.teardown();
  await smtp?.close();
  await hooks?.close();
  await prisma?.$disconnect();
});

describe('reformTask and planSupervision through 2026', () => {
  it('starts every task as DRAFT and assigns through the workflow', async () => {
    // The virtual clock starts where the test put it (and runs on with real time while locked).
    expect(new Date(await env.currentTimeMs()).toISOString()).toMatch(/^2026-02-02T00:0/);
    for (const i of [0, 1, 2]) {
      const snap = await handle(i).executeUpdate(defs.assignUpdate, {
        args: [
          {
            actor: office,
            leadDepartmentId: saved.tasks[i]!.leadDepartmentId!,
            cooperatingDepartmentIds: saved.tasks[i]!.cooperatingDepartmentIds,
          },
        ],
      });
      expect(snap).toMatchObject({ status: 'ASSIGNED', assignedOn: '2026-02-02' });
    }
    expect((await task(0)).status).toBe('ASSIGNED');
    const ack = await handle(1).executeUpdate(defs.acknowledgeUpdate, { args: [{ actor: dept(1) }] });
    expect(ack.status).toBe('IN_PROGRESS');
  });

  it('refuses what a role may not do, and the refusal changes nothing', async () => {
    const before = await prisma.taskEvent.count({ where: { taskId: saved.tasks[1]!.id } });
    // Department A acting on department B's task.
    const err = await handle(1)
      .executeUpdate(defs.requestClosureUpdate, { args: [{ actor: dept(0), summary: '已完成' }] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(err.cause?.type).toBe('NOT_LEAD_DEPARTMENT');
    const err2 = await handle(0)
      .executeUpdate(defs.assignUpdate, {
        args: [{ actor: { userId: org.supervisor.id, role: 'SUPERVISOR' }, leadDepartmentId: org.departments[2]!.id }],
      })
      .catch((e) => e);
    expect(err2.cause?.type).toBe('FORBIDDEN');
    expect(await prisma.taskEvent.count({ where: { taskId: saved.tasks[1]!.id } })).toBe(before);
    expect((await task(1)).status).toBe('IN_PROGRESS');
    const state = await handle(0).query(defs.stateQuery);
    expect(state.leadDepartmentId).toBe(org.departments[0]!.id);
  });

  it('runs the escalation ladder on the exact working days (Spring Festival 2026)', async () => {
    await sleepUntil('2026-03-06T12:00:00');
    const sent = await notices(0);
    expect(sent.map((n) => [n.kind, n.fireAt.toISOString()])).toEqual([
      ['ACK_REMINDER', '2026-02-04T01:00:00.000Z'],
      ['WARNING', '2026-02-06T01:00:00.000Z'],
      ['LEVEL1', '2026-02-14T01:00:00.000Z'], // a make-up Saturday
      ['LEVEL2', '2026-02-25T01:00:00.000Z'], // after the Spring Festival
      ['LEVEL3', '2026-03-05T01:00:00.000Z'],
    ]);
    const t = await task(0);
    expect(t).toMatchObject({ status: 'ASSIGNED', health: 'RED', escalationLevel: 3 });
    // Mail went to the right people, in Chinese; the webhook robot got the department's notices.
    const level3 = smtp.mails.filter((m) => m.subject.includes('约谈/通报'));
    expect(level3.map((m) => m.to).flat()).toEqual(['leader@example.gov']);
    // Levels 2 and 3 are numbered 督办单 in the plan's register.
    expect(smtp.mails.filter((m) => /督办单〔2026〕\d+号/.test(m.subject)).length).toBeGreaterThanOrEqual(2);
    expect(
      smtp.mails
        .filter((m) => m.subject.includes('【督办·督办单】'))
        .flatMap((m) => m.to)
        .sort(),
    ).toEqual(['dept1@example.gov', 'office@example.gov']);
    expect(new Set(smtp.mails.map((m) => m.messageId)).size).toBe(smtp.mails.length);
    expect(hooks.posts.length).toBeGreaterThanOrEqual(4);
    expect(hooks.posts[0]!.body).toMatchObject({ msgtype: 'text' });
    expect(hooks.posts[0]!.body.text.content).toContain('组建医共体');
    // The acknowledged task got no ack reminder.
    expect((await notices(1)).filter((n) => n.kind === 'ACK_REMINDER')).toEqual([]);
    // In-app notifications for the department user.
    expect(await prisma.notification.count({ where: { userId: org.departments[0]!.userId } })).toBeGreaterThanOrEqual(
      4,
    );
  });

  it('cancels a task with a reason, and sends nothing for it afterwards', async () => {
    await sleepUntil('2026-03-10T10:00:00');
    const before = (await notices(2)).length;
    const snap = await handle(2).executeUpdate(defs.cancelUpdate, {
      args: [{ actor: office, reason: '并入其他任务' }],
    });
    expect(snap.status).toBe('CANCELLED');
    expect(await task(2)).toMatchObject({ status: 'CANCELLED', cancelReason: '并入其他任务', health: null });
    await sleepUntil('2026-04-01T08:00:00');
    expect((await notices(2)).length).toBe(before);
  });

  it('opens the Q1 round, chases the late department, and ranks it below the punctual one', async () => {
    await sleepUntil('2026-04-02T10:00:00');
    const round = await prisma.supervisionRound.findFirstOrThrow({
      where: { planId: saved.planId, year: 2026, quarter: 1 },
    });
    expect(round.opensAt.toISOString()).toBe('2026-04-01T01:00:00.000Z');
    await handle(1).executeUpdate(defs.submitReportUpdate, {
      args: [
        {
          actor: dept(1),
          progress: 40,
          narrative: '已完成支付方式改革方案起草',
          actuals: [{ indicatorId: saved.tasks[1]!.indicators[0]!.id, value: 85 }],
        },
      ],
    });
    // Run past the report deadline and the automatic close.
    await sleepUntil('2026-05-06T12:00:00');
    const closed = await prisma.supervisionRound.findUniqueOrThrow({
      where: { id: round.id },
      include: { rows: { include: { department: true }, orderBy: { rank: 'asc' } } },
    });
    expect(closed.status).toBe('CLOSED');
    const ranking = closed.rows.map((r) => [r.department.name, r.rank, r.onTimeRate]);
    expect(ranking[0]).toEqual(['县财政局', 1, 1]);
    expect(ranking.find((r) => r[0] === '县卫健局')).toEqual(['县卫健局', 2, 0]);
    const reminders = await prisma.notice.findMany({ where: { roundId: round.id } });
    expect(reminders.some((n) => n.kind === 'LEVEL1')).toBe(true);
    // A closed round never changes.
    const frozen = closed.evaluation;
    await sleepUntil('2026-05-20T12:00:00');
    expect((await prisma.supervisionRound.findUniqueOrThrow({ where: { id: round.id } })).evaluation).toBe(frozen);
  });

  it('lets only the office close a round early; a closed round refuses to close again', async () => {
    await sleepUntil('2026-07-02T10:00:00');
    const round = await prisma.supervisionRound.findFirstOrThrow({
      where: { planId: saved.planId, year: 2026, quarter: 2 },
    });
    expect(round.status).toBe('OPEN');
    const plan = env.client.workflow.getHandle(defs.planWorkflowId(saved.planId));
    const denied = await plan
      .executeUpdate(defs.closeRoundUpdate, { args: [{ actor: dept(1), roundId: round.id }] })
      .catch((e) => e);
    expect(denied.cause?.type).toBe('FORBIDDEN');
    const closed = await plan.executeUpdate(defs.closeRoundUpdate, { args: [{ actor: office, roundId: round.id }] });
    expect(closed).toEqual({ roundId: round.id, closed: true });
    expect((await prisma.supervisionRound.findUniqueOrThrow({ where: { id: round.id } })).status).toBe('CLOSED');
    const again = await plan
      .executeUpdate(defs.closeRoundUpdate, { args: [{ actor: office, roundId: round.id }] })
      .catch((e) => e);
    expect(again.cause?.type).toBe('INVALID_STATE');
  });

  it('resets the ladder on an approved extension (over National Day)', async () => {
    await sleepUntil('2026-09-18T10:00:00');
    const req = await handle(1).executeUpdate(defs.requestExtensionUpdate, {
      args: [{ actor: dept(1), requestedDueDate: '2026-10-16', reason: '需等待省级配套文件' }],
    });
    expect(req.pendingExtension?.requestedDueDate).toBe('2026-10-16');
    const decided = await handle(1).executeUpdate(defs.decideExtensionUpdate, {
      args: [{ actor: office, approve: true }],
    });
    expect(decided).toMatchObject({ dueDate: '2026-10-16', pendingExtension: null, escalationLevel: 0 });
    await sleepUntil('2026-10-20T10:00:00');
    const calendar = createCalendar();
    const expected = planEscalation(
      { assignedOn: '2026-02-02', dueDate: '2026-10-16', status: 'IN_PROGRESS' },
      calendar,
    ).filter((n) => n.kind === 'WARNING' || n.kind === 'LEVEL1');
    const sent = (await notices(1)).map((n) => [n.kind, n.fireAt.toISOString()]);
    // Nothing for the old 09-30 deadline; the new one's warning and level 1 on their working days.
    expect(sent).toEqual(expected.map((n) => [n.kind, n.fireAt]));
    expect(sent[1]![1]).toBe(shanghaiInstant('2026-10-19'));
  });

  it('returns a closure request once, then approves it; no notice follows', async () => {
    const r1 = await handle(1).executeUpdate(defs.requestClosureUpdate, {
      args: [{ actor: dept(1), summary: '改革方案已印发实施' }],
    });
    expect(r1.status).toBe('CLOSURE_REQUESTED');
    const noReason = await handle(1)
      .executeUpdate(defs.reviewClosureUpdate, { args: [{ actor: office, approve: false }] })
      .catch((e) => e);
    expect(noReason.cause?.type).toBe('INVALID_INPUT');
    const returned = await handle(1).executeUpdate(defs.reviewClosureUpdate, {
      args: [{ actor: office, approve: false, reason: '缺少配套细则' }],
    });
    expect(returned.status).toBe('IN_PROGRESS');
    await handle(1).executeUpdate(defs.requestClosureUpdate, { args: [{ actor: dept(1), summary: '配套细则已补充' }] });
    const approved = await handle(1).executeUpdate(defs.reviewClosureUpdate, {
      args: [
        { actor: office, approve: true, checklist: { factsClear: true, problemSolved: true, materialsComplete: true } },
      ],
    });
    expect(approved.status).toBe('CLOSED');
    const count = (await notices(1)).length;
    await sleepUntil('2026-12-31T12:00:00');
    expect((await notices(1)).length).toBe(count);
    const t = await task(1);
    expect(t).toMatchObject({ status: 'CLOSED', progress: 100, health: null });
    const reviews = await prisma.closureReview.findMany({ where: { taskId: t.id }, orderBy: { createdAt: 'asc' } });
    expect(reviews.map((r) => r.status)).toEqual(['RETURNED', 'APPROVED']);
    const timeline = await prisma.taskEvent.findMany({ where: { taskId: t.id }, orderBy: { at: 'asc' } });
    expect(timeline.map((e) => e.kind)).toEqual(
      expect.arrayContaining([
        'CREATED',
        'ASSIGNED',
        'ACKNOWLEDGED',
        'REPORTED',
        'EXTENSION_REQUESTED',
        'EXTENSION_APPROVED',
        'CLOSURE_RETURNED',
        'CLOSED',
      ]),
    );
    const returnedEvent = timeline.find((e) => e.kind === 'CLOSURE_RETURNED')!;
    expect(returnedEvent).toMatchObject({
      actorId: org.office.id,
      reason: '缺少配套细则',
      fromStatus: 'CLOSURE_REQUESTED',
      toStatus: 'IN_PROGRESS',
    });
  });

  it('delivered every email exactly once', () => {
    const ids = smtp.mails.map((m) => m.messageId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThan(5);
  });

  it('replays every history without non-determinism', async () => {
    const histories = [];
    for await (const wf of env.client.workflow.list()) {
      histories.push({
        workflowId: wf.workflowId,
        history: await env.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory(),
      });
    }
    expect(histories.length).toBeGreaterThanOrEqual(4);
    // RECORD_HISTORIES=v3 (a label) records this run's histories as fixtures that the replay test
    // keeps checking against future code; older labels stay, so every released version keeps replaying.
    if (process.env.RECORD_HISTORIES) {
      const dir = path.join(import.meta.dirname, '..', 'fixtures', 'histories');
      fs.mkdirSync(dir, { recursive: true });
      for (const [i, h] of histories.entries()) {
        const name = h.workflowId.startsWith('plan-') ? `planSupervision-${i}` : `reformTask-${i}`;
        fs.writeFileSync(path.join(dir, `${process.env.RECORD_HISTORIES}-${name}.json`), historyToJSON(h.history));
      }
    }
    const results = Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories);
    for await (const r of results) expect(r.error, r.workflowId).toBeUndefined();
  });
});
