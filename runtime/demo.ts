/**
 * The demo a new user sees on first start: the Dehui county plan imported,
 * one user per role (`admin`, `office`, `supervisor`, and `dept01`, `dept02`,
 * … in roster order, all with the demo password), and the plan played to the
 * middle of its year through the real workflows (see playTheYearSoFar).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { hashPassword } from '../api/auth.ts';
import { parsePlanText } from '../services/import.ts';
import { savePlan, startPlanSupervision, startTaskWorkflows, type SavedPlan } from '../services/plans.ts';
import { createCalendar, shanghaiDate } from '../domain/calendar.ts';
import { previousQuarter, quarterOf } from '../domain/rounds.ts';
import type { PrismaClient } from '../prisma/client.ts';
import type { DubanConfig } from '../temporal.config.ts';
import {
  addInstructionUpdate,
  assignUpdate,
  requestClosureUpdate,
  requestExtensionUpdate,
  reviewClosureUpdate,
  submitReportUpdate,
  taskWorkflowId,
} from '../workflows/definitions.ts';
import type { Actor } from '../workflows/types.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DEMO_PLAN = path.join(here, '..', 'prisma', 'demo', 'dehui-county-medical-community-plan-2023.txt');

export interface DemoUser {
  username: string;
  role: string;
  department?: string;
}

/** Seed the demo into an empty database; returns the users created (none when data exists). */
export async function seedDemo(prisma: PrismaClient, temporal: Client, config: DubanConfig): Promise<DemoUser[]> {
  if (!config.demo.enabled || (await prisma.plan.count()) > 0 || (await prisma.user.count()) > 0) return [];
  const text = fs.readFileSync(DEMO_PLAN, 'utf8');
  const parsed = parsePlanText(text, path.basename(DEMO_PLAN));
  const passwordHash = await hashPassword(config.demo.password);
  const users: DemoUser[] = [];
  const mk = async (username: string, displayName: string, role: string, departmentId: string | null = null) => {
    const u = await prisma.user.create({ data: { username, displayName, role, departmentId, passwordHash } });
    return u;
  };
  await mk('admin', '系统管理员', 'ADMIN');
  const office = await mk('office', '医管委办公室', 'OFFICE');
  await mk('supervisor', '分管领导', 'SUPERVISOR');
  users.push(
    { username: 'admin', role: 'ADMIN' },
    { username: 'office', role: 'OFFICE' },
    { username: 'supervisor', role: 'SUPERVISOR' },
  );

  const saved = await savePlan(prisma, parsed, { text, format: 'txt' }, { createdById: office.id });
  const roster = await prisma.department.findMany({ where: { name: { in: parsed.departments } } });
  for (const [i, name] of parsed.departments.entries()) {
    const dept = roster.find((d) => d.name === name);
    if (!dept) continue;
    const username = `dept${String(i + 1).padStart(2, '0')}`;
    await mk(username, `${name}联络员`, 'DEPARTMENT', dept.id);
    users.push({ username, role: 'DEPARTMENT', department: name });
  }

  const office_: Actor = { userId: office.id, role: 'OFFICE', departmentId: null };
  const supervisor = await prisma.user.findUniqueOrThrow({ where: { username: 'supervisor' } });
  const staff = await prisma.user.findMany({ where: { role: 'DEPARTMENT' } });
  const staffOf = (departmentId: string): Actor => {
    const u = staff.find((x) => x.departmentId === departmentId)!;
    return { userId: u.id, role: 'DEPARTMENT', departmentId };
  };
  // Supervision starts with the quarter just past: its round opens, chases, closes and ranks at once.
  const today = shanghaiDate(Date.now());
  await startTaskWorkflows(temporal, prisma, config.temporal.taskQueue, saved, office_);
  await playTheYearSoFar(temporal, saved, { office: office_, supervisor: supervisor.id, staffOf, today });
  await startPlanSupervision(
    temporal,
    config.temporal.taskQueue,
    saved.planId,
    parsed.title ?? '',
    previousQuarter(quarterOf(today)),
  );
  return users;
}

/** One task's story in the demo: when it was handed over, when it is due (working days from today), what happened. */
interface Story {
  assignedAgo: number;
  dueIn: number;
  reports?: number[];
  closure?: 'pending' | 'approved';
  extension?: number;
  instruction?: string;
}

/**
 * The middle of a year, as a committee office sees it: tasks taken over from
 * the ledger weeks ago (assignment dates from the 台账), some on track, some
 * in the warning window, some overdue with 催办 and 督办单 already sent by the
 * ladder, closures approved and pending, an extension awaiting a decision,
 * reports with indicator values and a leader's 批示. Every step is a real
 * command on the task's workflow; nothing is written to the read model here.
 */
const STORIES: Story[] = [
  { assignedAgo: 40, dueIn: 60, reports: [20, 45] },
  { assignedAgo: 30, dueIn: -2, reports: [30], instruction: '请抓紧推进，确保年底前完成。' },
  { assignedAgo: 45, dueIn: 2, reports: [60] },
  { assignedAgo: 50, dueIn: -6, reports: [40] },
  { assignedAgo: 60, dueIn: 30, reports: [50, 100], closure: 'approved' },
  { assignedAgo: 35, dueIn: 20, reports: [70, 95], closure: 'pending' },
  { assignedAgo: 30, dueIn: 6, reports: [35], extension: 40 },
  { assignedAgo: 20, dueIn: 80, reports: [25] },
  { assignedAgo: 70, dueIn: -12, reports: [20] },
  { assignedAgo: 15, dueIn: 45 },
];

async function playTheYearSoFar(
  temporal: Client,
  saved: SavedPlan,
  who: { office: Actor; supervisor: string; staffOf: (departmentId: string) => Actor; today: string },
): Promise<void> {
  const cal = createCalendar();
  const day = (n: number) => (n >= 0 ? cal.addWorkingDays(who.today, n) : cal.subtractWorkingDays(who.today, -n));
  const assigned = saved.tasks.filter((t) => t.leadDepartmentId);
  for (const [i, t] of assigned.entries()) {
    const story = STORIES[i % STORIES.length]!;
    const h = temporal.workflow.getHandle(taskWorkflowId(t.id));
    const lead = who.staffOf(t.leadDepartmentId!);
    const since = day(-story.assignedAgo);
    await h.executeUpdate(assignUpdate, {
      args: [
        {
          actor: who.office,
          leadDepartmentId: t.leadDepartmentId!,
          cooperatingDepartmentIds: t.cooperatingDepartmentIds,
          dueDate: day(story.dueIn),
          // The plan text's own dates (2023–2025) are history; the ledger's deadline is what is chased.
          milestones: [],
          assignedOn: since,
          acknowledgedOn: cal.addWorkingDays(since, 1),
          reason: '演示数据：按台账交办',
        },
      ],
    });
    for (const [k, progress] of (story.reports ?? []).entries()) {
      await h.executeUpdate(submitReportUpdate, {
        args: [
          {
            actor: lead,
            progress,
            narrative: REPORT_TEXT[(i + k) % REPORT_TEXT.length]!,
            ...(progress < 50 ? { problems: '部分配套资金尚未到位，需协调财政部门。' } : {}),
            nextSteps: '按月调度，压实责任，确保按期完成。',
            actuals: t.indicators.map((ind, j) => ({
              indicatorId: ind.id,
              value: 40 + ((i * 7 + j * 13 + progress) % 55),
            })),
          },
        ],
      });
    }
    if (story.closure) {
      await h.executeUpdate(requestClosureUpdate, {
        args: [{ actor: lead, summary: '各项工作已按方案完成，相关制度文件已印发实施。' }],
      });
      if (story.closure === 'approved') {
        await h.executeUpdate(reviewClosureUpdate, {
          args: [
            {
              actor: who.office,
              approve: true,
              reason: '经核实，同意销号。',
              checklist: { factsClear: true, problemSolved: true, materialsComplete: true },
            },
          ],
        });
      }
    }
    if (story.extension) {
      await h.executeUpdate(requestExtensionUpdate, {
        args: [{ actor: lead, requestedDueDate: day(story.extension), reason: '需等待上级部门审批配套政策。' }],
      });
    }
    if (story.instruction) {
      await h.executeUpdate(addInstructionUpdate, {
        args: [{ actor: { userId: who.supervisor, role: 'SUPERVISOR', departmentId: null }, text: story.instruction }],
      });
    }
  }
}

const REPORT_TEXT = [
  '已召开专题推进会，制定工作台账，明确责任人和时间节点。',
  '已完成前期调研和方案起草，正在征求相关部门意见。',
  '试点工作有序推进，已覆盖部分乡镇卫生院。',
  '已印发配套文件，组织开展业务培训两期。',
];
