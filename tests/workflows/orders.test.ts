/**
 * 督办单 and 通报 in skipped time (March–April 2026): the ladder's level 2 and
 * 3 and a manual escalation issue numbered orders in the plan's register; the
 * lead department answers one, the office closes it; closing the task closes
 * the rest; the quarter's round closes with a POINTS assessment whose lines
 * sum to each score, and its 督查通报 names the lagging task. The generated
 * .docx files are parsed back.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mammoth from 'mammoth';
import ExcelJS from 'exceljs';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { savePlan, startPlanSupervision, startTaskWorkflows, type SavedPlan } from '../../services/plans.ts';
import type { ParsedPlan } from '../../domain/parser/index.ts';
import { lineSum, type ScoreLine } from '../../domain/assessment.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import * as defs from '../../workflows/definitions.ts';
import type { Actor } from '../../workflows/types.ts';
import { assignmentDocument, bulletinDocument, bulletinWorkbook, orderDocument } from '../../api/documents.ts';
import type { AppServices } from '../../api/context.ts';
import {
  freshDatabase,
  runTestWorker,
  seedOrg,
  timeSkippingEnv,
  type Org,
  type RunningTestWorker,
} from '../support/harness.ts';
import { keepHistories } from '../support/histories.ts';

const TASK_QUEUE = 'duban-orders';
const at = (local: string) => new Date(`${local}+08:00`).getTime();

let env: TestWorkflowEnvironment;
let prisma: PrismaClient;
let org: Org;
let saved: SavedPlan;
let testWorker: RunningTestWorker;
let office: Actor;
let lead: Actor;
let services: AppServices;

const plan: ParsedPlan = {
  title: '督办单测试方案',
  issuer: '测试县医管委办公室',
  doc_number: null,
  departments: ['县卫健局', '县医保局'],
  plan_targets: [],
  warnings: [],
  tasks: [
    {
      path: ['一、重点任务', '(一)推进紧密型医共体建设'],
      title: '推进紧密型医共体建设',
      lead: ['县卫健局'],
      cooperating: [],
      deadlines: [{ text: '2026年3月13日前', date: '2026-03-13' }],
      targets: [],
      recurrence: null,
    },
    {
      path: ['一、重点任务', '(二)完善医保支付方式'],
      title: '完善医保支付方式',
      lead: ['县卫健局'],
      cooperating: ['县医保局'],
      deadlines: [{ text: '2026年3月31日前', date: '2026-03-31' }],
      targets: [],
      recurrence: null,
    },
  ],
} as unknown as ParsedPlan;

const taskA = () => saved.tasks[0]!.id;
const taskB = () => saved.tasks[1]!.id;
const handle = (id: string) => env.client.workflow.getHandle(defs.taskWorkflowId(id));
const sleepUntil = async (local: string) => {
  const now = await env.currentTimeMs();
  if (at(local) > now) await env.sleep(at(local) - now);
};
const orders = () => prisma.supervisionOrder.findMany({ orderBy: { number: 'asc' } });
const refusal = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause as { type?: string; details?: { zh: string }[] };
  return { type: cause.type, zh: cause.details?.[0]?.zh };
};
/** Parse a generated document back; DUBAN_DOCS_OUT=dir also keeps it there to look at (LibreOffice → PDF → PNG). */
let kept = 0;
const textOf = async (buffer: Buffer | null) => {
  if (process.env.DUBAN_DOCS_OUT)
    fs.writeFileSync(path.join(process.env.DUBAN_DOCS_OUT, `doc-${++kept}.docx`), buffer!);
  return (await mammoth.extractRawText({ buffer: buffer! })).value;
};

beforeAll(async () => {
  const db = await freshDatabase();
  prisma = db.prisma;
  services = { prisma } as unknown as AppServices;
  org = await seedOrg(prisma, plan.departments);
  office = { userId: org.office.id, role: 'OFFICE', departmentId: null };
  lead = { userId: org.departments[0]!.userId, role: 'DEPARTMENT', departmentId: org.departments[0]!.id };
  saved = await savePlan(prisma, plan, { text: '…', format: 'txt' }, { createdById: org.office.id });
  await prisma.plan.update({
    where: { id: saved.planId },
    data: {
      settings: JSON.stringify({
        orders: { numberFormat: '医督〔{year}〕{n}号', replyWorkingDays: 2 },
        assessment: { mode: 'POINTS' },
      }),
    },
  });
  env = await timeSkippingEnv('2026-03-02T08:00:00+08:00');
  testWorker = await runTestWorker(env, TASK_QUEUE, { prisma, config: db.config });
  await startTaskWorkflows(env.client, prisma, TASK_QUEUE, saved, office);
  await startPlanSupervision(env.client, TASK_QUEUE, saved.planId, plan.title!, { year: 2026, quarter: 1 });
}, 120_000);

afterAll(async () => {
  await testWorker?.stop();
  await keepHistories(env?.client, 'orders');
  await env?.teardown();
  await prisma?.$disconnect();
});

describe('督办单: numbered, answered, closed', () => {
  it('issues 交办通知单 on assignment and no order before the ladder reaches level 2', async () => {
    for (const id of [taskA(), taskB()]) {
      const t = saved.tasks.find((x) => x.id === id)!;
      await handle(id).executeUpdate(defs.assignUpdate, {
        args: [
          {
            actor: office,
            leadDepartmentId: t.leadDepartmentId!,
            cooperatingDepartmentIds: t.cooperatingDepartmentIds,
          },
        ],
      });
      await handle(id).executeUpdate(defs.acknowledgeUpdate, { args: [{ actor: lead }] });
    }
    await handle(taskA()).executeUpdate(defs.submitReportUpdate, {
      args: [{ actor: lead, progress: 40, narrative: '已完成方案制定' }],
    });
    const doc = await textOf(await assignmentDocument(services, taskB()));
    expect(doc).toContain('交办通知单');
    expect(doc).toContain('县卫健局：');
    expect(doc).toContain('完善医保支付方式');
    expect(doc).toContain('县医保局');
    expect(doc).toContain('2026年3月31日');
    expect(doc).toContain('测试县医管委办公室');
    await sleepUntil('2026-03-17T12:00:00'); // LEVEL1 on the 16th: a reminder, not an order
    expect(await orders()).toHaveLength(0);
  });

  it('numbers the level-2 notice 医督〔2026〕1号 with its facts and a reply date two working days on', async () => {
    await sleepUntil('2026-03-18T10:00:00');
    const [o] = await orders();
    expect(o).toMatchObject({
      taskId: taskA(),
      docNumber: '医督〔2026〕1号',
      number: 1,
      kind: 'LEVEL2',
      status: 'ISSUED',
      dueDate: '2026-03-13',
      daysOverdue: 5,
      progress: 40,
      issuedOn: '2026-03-18',
      replyBy: '2026-03-20',
    });
    expect(o!.lastReportAt).not.toBeNull();
    const note = await prisma.notification.findFirst({ where: { noticeId: o!.id, userId: lead.userId } });
    expect(note?.title).toContain('医督〔2026〕1号');
    expect(note?.body).toContain('请于 2026-03-20 前');
    const doc = await textOf(await orderDocument(services, o!.id));
    for (const s of [
      '督办通知书',
      '医督〔2026〕1号',
      '县卫健局：',
      '推进紧密型医共体建设',
      '2026年3月13日',
      '已逾期5天',
      '2026年3月20日前',
      '测试县医管委办公室',
      '2026年3月18日',
    ])
      expect(doc).toContain(s);
  });

  it('gives a manual escalation the next number, and refuses to close an order nobody answered', async () => {
    await handle(taskA()).executeUpdate(defs.escalateUpdate, {
      args: [{ actor: office, level: 2, reason: '进度严重滞后' }],
    });
    const all = await orders();
    expect(all.map((o) => o.docNumber)).toEqual(['医督〔2026〕1号', '医督〔2026〕2号']);
    expect(all[1]).toMatchObject({ kind: 'MANUAL', reason: '进度严重滞后' });
    const r = await refusal(
      handle(taskA()).executeUpdate(defs.closeOrderUpdate, { args: [{ actor: office, orderId: all[0]!.id }] }),
    );
    expect(r).toEqual({ type: 'INVALID_STATE', zh: '责任单位尚未答复该督办单，不能销号' });
    expect((await orders())[0]!.status).toBe('ISSUED');
  });

  it('takes the department’s answer once, then the office closes it', async () => {
    const [first] = await orders();
    const cooperator: Actor = {
      userId: org.departments[1]!.userId,
      role: 'DEPARTMENT',
      departmentId: org.departments[1]!.id,
    };
    expect(
      (
        await refusal(
          handle(taskA()).executeUpdate(defs.replyOrderUpdate, {
            args: [{ actor: cooperator, orderId: first!.id, text: '已落实' }],
          }),
        )
      ).type,
    ).toBe('NOT_INVOLVED');
    expect(
      await refusal(
        handle(taskA()).executeUpdate(defs.replyOrderUpdate, {
          args: [{ actor: lead, orderId: 'nope', text: '已落实' }],
        }),
      ),
    ).toEqual({ type: 'INVALID_INPUT', zh: '该任务没有这份未销号的督办单' });
    await handle(taskA()).executeUpdate(defs.replyOrderUpdate, {
      args: [{ actor: lead, orderId: first!.id, text: '已召开专题会，制定整改方案，4月底前完成' }],
    });
    expect((await orders())[0]).toMatchObject({
      status: 'REPLIED',
      reply: '已召开专题会，制定整改方案，4月底前完成',
      repliedById: lead.userId,
    });
    expect(
      (
        await refusal(
          handle(taskA()).executeUpdate(defs.replyOrderUpdate, {
            args: [{ actor: lead, orderId: first!.id, text: '再答' }],
          }),
        )
      ).zh,
    ).toBe('该督办单已答复，不能重复答复');
    await handle(taskA()).executeUpdate(defs.closeOrderUpdate, { args: [{ actor: office, orderId: first!.id }] });
    expect((await orders())[0]).toMatchObject({ status: 'CLOSED', closedById: office.userId });
    const kinds = (await prisma.taskEvent.findMany({ where: { taskId: taskA() }, orderBy: { seq: 'asc' } })).map(
      (e) => e.kind,
    );
    expect(kinds.filter((k) => k.startsWith('ORDER_'))).toEqual(['ORDER_REPLIED', 'ORDER_CLOSED']);
  });

  it('closes every open order of a task when the task itself closes', async () => {
    // Task B gets a manual order, then closes on time (20 March, due 31 March).
    await handle(taskB()).executeUpdate(defs.escalateUpdate, { args: [{ actor: office, level: 2, reason: '请加快' }] });
    await handle(taskB()).executeUpdate(defs.requestClosureUpdate, { args: [{ actor: lead, summary: '已完成' }] });
    await handle(taskB()).executeUpdate(defs.reviewClosureUpdate, {
      args: [
        { actor: office, approve: true, checklist: { factsClear: true, problemSolved: true, materialsComplete: true } },
      ],
    });
    const b = (await orders()).filter((o) => o.taskId === taskB());
    expect(b.map((o) => [o.docNumber, o.status])).toEqual([['医督〔2026〕3号', 'CLOSED']]);
    await sleepUntil('2026-03-27T10:00:00'); // LEVEL3 for task A
    const a = (await orders()).filter((o) => o.taskId === taskA());
    expect(a.map((o) => [o.kind, o.status])).toEqual([
      ['LEVEL2', 'CLOSED'],
      ['MANUAL', 'ISSUED'],
      ['LEVEL3', 'ISSUED'],
    ]);
  });
});

describe('the round closes with a POINTS assessment and its 通报', () => {
  it('scores by points with lines that sum to each score, and freezes the rules', async () => {
    await sleepUntil('2026-04-01T10:00:00'); // Q1's round opened at 09:00
    const sup = env.client.workflow.getHandle(defs.planWorkflowId(saved.planId));
    await sup.executeUpdate(defs.closeRoundUpdate, { args: [{ actor: office }] });
    const round = await prisma.supervisionRound.findFirstOrThrow({
      where: { planId: saved.planId, year: 2026, quarter: 1 },
      include: { rows: { include: { department: true } } },
    });
    expect(round.status).toBe('CLOSED');
    expect((JSON.parse(round.evaluation!) as { assessment?: { mode: string } }).assessment?.mode).toBe('POINTS');
    const byName = new Map(round.rows.map((r) => [r.department.name, r]));
    const health = byName.get('县卫健局')!;
    const lines = JSON.parse(health.breakdown) as ScoreLine[];
    // 100 + 2 (B closed on time, lead) − 1 (A's report missing) − 4 (four orders received).
    expect(lines.map((l) => [l.rule, l.role ?? null, l.count ?? null, l.total])).toEqual([
      ['base', null, null, 100],
      ['closedOnTime', 'LEAD', 1, 2],
      ['reportMissing', 'LEAD', 1, -1],
      ['orderReceived', 'LEAD', 4, -4],
    ]);
    expect(health.score).toBe(97);
    expect(lineSum(lines)).toBe(health.score);
    const insurance = byName.get('县医保局')!;
    const coop = JSON.parse(insurance.breakdown) as ScoreLine[];
    expect(coop.map((l) => l.rule)).toEqual(['base', 'closedOnTime', 'clamp']);
    expect(insurance.score).toBe(100);
    expect(lineSum(coop)).toBe(100);
  });

  it('writes the 督查通报 (.docx) and its table (.xlsx) naming the lagging task', async () => {
    const round = await prisma.supervisionRound.findFirstOrThrow({ where: { planId: saved.planId, quarter: 1 } });
    const doc = await textOf(await bulletinDocument(services, round.id));
    for (const s of [
      '关于督办单测试方案2026年第1季度推进情况的通报',
      '任务共2项，已办结1项，办结率50%',
      '逾期未完成1项',
      '县卫健局：“推进紧密型医共体建设”（红灯',
      '县卫健局（逾期1项，未报进展1次）',
      '测试县医管委办公室',
    ])
      expect(doc).toContain(s);
    const book = (await bulletinWorkbook(services, round.id))!;
    const buffer = Buffer.from(await book.xlsx.writeBuffer());
    const back = new ExcelJS.Workbook();
    await back.xlsx.load(buffer as unknown as ArrayBuffer);
    const table = back.getWorksheet('督查通报')!;
    expect(table.getRow(4).values).toEqual([
      undefined,
      '排名',
      '单位',
      '牵头任务',
      '已办结',
      '正常推进',
      '进度滞后',
      '逾期',
      '未报进展',
      '得分',
    ]);
    expect((table.getRow(5).values as unknown[]).slice(2, 4)).toEqual(['县卫健局', 2]);
    expect(back.getWorksheet('滞后事项')!.getRow(2).getCell(2).value).toBe('推进紧密型医共体建设');
  });
});
