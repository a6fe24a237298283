/** The supervisor's and office's overview, and the escalation preview. */
import { planEscalation } from '../../domain/escalation.ts';
import type { TaskStatus } from '../../domain/types.ts';
import { builder, nonEmpty } from '../builder.ts';
import { taskIdOf, taskScope } from '../access.ts';
import { isPlausibleDate, shanghaiDate } from '../../domain/calendar.ts';
import { calendarOf } from '../calendar.ts';
import { invalidInput, notFound } from '../errors.ts';
import { PlannedNoticeRef } from './objects.ts';
import { taskVisibility } from './tasks.ts';

interface DeptRow {
  departmentId: string;
  name: string;
  total: number;
  byStatus: Record<string, number>;
  green: number;
  yellow: number;
  red: number;
  /** Open tasks nobody chases: no deadline (未交办 / 无时限, health NONE). */
  unchased: number;
}

const DepartmentSummary = builder.objectRef<DeptRow>('DepartmentSummary').implement({
  fields: (t) => ({
    department: t.prismaField({
      type: 'Department',
      resolve: (q, r, _a, ctx) =>
        ctx.prisma.department.findUniqueOrThrow({ ...nonEmpty(q), where: { id: r.departmentId } }),
    }),
    name: t.exposeString('name'),
    total: t.exposeInt('total'),
    draft: t.int({ resolve: (r) => r.byStatus.DRAFT ?? 0 }),
    assigned: t.int({ resolve: (r) => r.byStatus.ASSIGNED ?? 0 }),
    inProgress: t.int({ resolve: (r) => r.byStatus.IN_PROGRESS ?? 0 }),
    closureRequested: t.int({ resolve: (r) => r.byStatus.CLOSURE_REQUESTED ?? 0 }),
    closed: t.int({ resolve: (r) => r.byStatus.CLOSED ?? 0 }),
    cancelled: t.int({ resolve: (r) => r.byStatus.CANCELLED ?? 0 }),
    green: t.exposeInt('green'),
    yellow: t.exposeInt('yellow'),
    red: t.exposeInt('red'),
    unchased: t.exposeInt('unchased', { description: '无时限: open tasks without a deadline, never chased' }),
  }),
});

const Dashboard = builder
  .objectRef<{
    planId: string | null;
    departments: DeptRow[];
    overdueIds: string[];
    latestRoundId: string | null;
    unassigned: number;
  }>('Dashboard')
  .implement({
    fields: (t) => ({
      departments: t.field({ type: [DepartmentSummary], resolve: (d) => d.departments }),
      unassigned: t.exposeInt('unassigned', {
        description: '未交办: open tasks without a lead department; they will never be chased until assigned',
      }),
      overdue: t.prismaField({
        type: ['Task'],
        resolve: (q, d, _a, ctx) =>
          ctx.prisma.task.findMany({
            ...q,
            where: { id: { in: d.overdueIds } },
            orderBy: [{ escalationLevel: 'desc' }, { dueDate: 'asc' }],
          }),
      }),
      ranking: t.prismaField({
        type: ['RoundEvaluationRow'],
        description: 'The ranking of the latest closed round.',
        resolve: (q, d, _a, ctx) =>
          d.latestRoundId
            ? ctx.prisma.roundEvaluationRow.findMany({
                ...q,
                where: { roundId: d.latestRoundId },
                orderBy: { rank: 'asc' },
              })
            : [],
      }),
      latestRound: t.prismaField({
        type: 'SupervisionRound',
        nullable: true,
        resolve: (q, d, _a, ctx) =>
          d.latestRoundId
            ? ctx.prisma.supervisionRound.findUnique({ ...nonEmpty(q), where: { id: d.latestRoundId } })
            : null,
      }),
    }),
  });

builder.queryField('dashboard', (t) =>
  t.field({
    type: Dashboard,
    authScopes: { signedIn: true },
    args: { planId: t.arg.id({ required: false }) },
    resolve: async (_r, { planId }, ctx) => {
      const where = { AND: [taskVisibility(ctx), planId ? { planId: String(planId) } : {}] };
      const [groups, departments, overdue, latest] = await Promise.all([
        ctx.prisma.task.groupBy({ by: ['leadDepartmentId', 'status', 'health'], where, _count: { _all: true } }),
        ctx.prisma.department.findMany({ orderBy: { sortOrder: 'asc' } }),
        ctx.prisma.task.findMany({ where: { AND: [where, { health: 'RED' }] }, select: { id: true } }),
        ctx.prisma.supervisionRound.findFirst({
          where: { status: 'CLOSED', ...(planId ? { planId: String(planId) } : {}) },
          orderBy: [{ year: 'desc' }, { quarter: 'desc' }],
        }),
      ]);
      const rows = new Map<string, DeptRow>();
      let unassigned = 0;
      for (const g of groups) {
        if (!g.leadDepartmentId) {
          if (!['CLOSED', 'CANCELLED'].includes(g.status)) unassigned += g._count._all;
          continue;
        }
        const dept = departments.find((d) => d.id === g.leadDepartmentId);
        const r =
          rows.get(g.leadDepartmentId) ??
          ({
            departmentId: g.leadDepartmentId,
            name: dept?.name ?? '',
            total: 0,
            byStatus: {},
            green: 0,
            yellow: 0,
            red: 0,
            unchased: 0,
          } as DeptRow);
        const n = g._count._all;
        r.total += n;
        r.byStatus[g.status] = (r.byStatus[g.status] ?? 0) + n;
        if (g.health === 'GREEN') r.green += n;
        if (g.health === 'YELLOW') r.yellow += n;
        if (g.health === 'RED') r.red += n;
        if (g.health === 'NONE') r.unchased += n;
        rows.set(g.leadDepartmentId, r);
      }
      const order = new Map(departments.map((d, i) => [d.id, i]));
      return {
        planId: planId ? String(planId) : null,
        unassigned,
        departments: [...rows.values()].sort(
          (a, b) => (order.get(a.departmentId) ?? 0) - (order.get(b.departmentId) ?? 0),
        ),
        overdueIds: overdue.map((o) => o.id),
        latestRoundId: latest?.id ?? null,
      };
    },
  }),
);

builder.queryField('previewEscalation', (t) =>
  t.field({
    type: [PlannedNoticeRef],
    authScopes: { signedIn: true },
    description:
      'The notices the escalation ladder would send: for a task as it stands, or for given dates. Same rules (domain/escalation) the workflow executes; `duban simulate` runs the workflow itself.',
    args: {
      taskId: t.arg.id({ required: false }),
      assigned: t.arg.string({ required: false }),
      due: t.arg.string({ required: false }),
      acknowledged: t.arg.string({ required: false }),
    },
    resolve: async (_r, a, ctx) => {
      const calendar = await calendarOf(ctx);
      let input;
      let settings: Record<string, any> = {};
      if (a.taskId) {
        const task = await ctx.prisma.task.findFirst({ where: { AND: [{ id: taskIdOf(a.taskId) }, taskScope(ctx)] } });
        if (!task) throw notFound('任务', 'Task');
        const plan = await ctx.prisma.plan.findUniqueOrThrow({ where: { id: task.planId } });
        settings = JSON.parse(plan.settings);
        const day = (d: Date | null) => (d ? shanghaiDate(d) : null);
        input = {
          status: task.status as TaskStatus,
          assignedOn: day(task.assignedAt),
          acknowledgedOn: day(task.acknowledgedAt),
          dueDate: task.dueDate,
        };
      } else {
        for (const [k, v] of Object.entries({ assigned: a.assigned, due: a.due, acknowledged: a.acknowledged })) {
          if (v && !isPlausibleDate(v)) {
            const f = { assigned: '交办日期', due: '完成时限', acknowledged: '签收日期' }[k];
            throw invalidInput(
              `${f}不是有效日期（格式 YYYY-MM-DD）：${v}`,
              `${k} is not a valid date (YYYY-MM-DD): ${v}`,
            );
          }
        }
        if (!a.assigned || !a.due)
          throw invalidInput('请给出任务编号，或交办日期和完成时限。', 'Give a taskId, or assigned and due dates.');
        input = {
          status: 'ASSIGNED' as TaskStatus,
          assignedOn: a.assigned,
          acknowledgedOn: a.acknowledged ?? null,
          dueDate: a.due,
        };
      }
      return planEscalation(input, calendar, { thresholds: settings.thresholds, noticeTime: settings.noticeTime }).map(
        (n) => ({
          key: `${n.kind}:${n.date}`,
          kind: n.kind,
          level: n.level,
          date: n.date,
          fireAt: n.fireAt,
          recipients: n.recipients,
        }),
      );
    },
  }),
);
