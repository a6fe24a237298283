/** Tasks: the Task type, the `tasks` connection and `task`, and every task command (through its workflow). */
import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client.ts';
import * as defs from '../../workflows/definitions.ts';
import type { PlannedNotice, TaskStatus } from '../../workflows/types.ts';
import type { Health } from '../../domain/types.ts';
import { builder, nonEmpty } from '../builder.ts';
import { runTaskUpdate } from '../commands.ts';
import {
  accessActor,
  accessTaskOf,
  canSeeTaskRow,
  responsibilityOf,
  taskIdOf,
  taskScope,
  TASK_ACCESS_SELECT,
} from '../access.ts';
import { ResponsibilityRef } from './responsibilityTypes.ts';
import { allowedActions, TASK_ACTIONS, visibleDepartmentIds } from '../../domain/access.ts';
import { isPlausibleDate, shanghaiDate } from '../../domain/calendar.ts';
import { expectedProgress } from '../../domain/health.ts';
import { cadenceLabel, cadenceProblem, parseCadenceCode } from '../../domain/cadence.ts';
import { calendarOf } from '../calendar.ts';
import type { Context } from '../context.ts';
import { DubanError, invalidInput, notFound } from '../errors.ts';
import { ERRORS } from './errors.ts';
import { PlannedNoticeRef } from './objects.ts';
import { ClosureChecklistInput, requireAttachableEvidence } from './evidence.ts';

/** Dates go through the one domain parser (an impossible day such as 2026-02-30 is refused). */
export const isoDate = z.string().refine((s) => isPlausibleDate(s), 'DATE');
export const text = (max: number) => z.string().trim().min(1, 'REQUIRED').max(max, `MAX:${max}`);
export const maxLen = (max: number) => z.string().max(max, `MAX:${max}`);

export const TaskStatusEnum = builder.enumType('TaskStatus', {
  values: ['DRAFT', 'ASSIGNED', 'IN_PROGRESS', 'CLOSURE_REQUESTED', 'CLOSED', 'CANCELLED'] as const,
});
export const HealthEnum = builder.enumType('Health', {
  values: ['GREEN', 'YELLOW', 'RED', 'BLUE', 'NONE'] as const,
  description:
    'BLUE: ahead of 序时进度 (schedule lights only). NONE: 未交办 / 无时限, a task nobody is chasing (no lead department or no deadline).',
});
export const TaskActionEnum = builder.enumType('TaskAction', { values: TASK_ACTIONS });
export const TaskSortEnum = builder.enumType('TaskSort', {
  values: ['DUE_DATE', 'HEALTH', 'PLAN_ORDER'] as const,
});

/** The read scope of the one access rule (api/access), under the name other modules use. */
export const taskVisibility = taskScope;

export const Task = builder.prismaNode('Task', {
  id: { field: 'id' },
  // Whatever path reaches a task (task, tasks, node, nodes, plan.tasks, subscriptions, …) passes this check.
  select: { id: true, ...TASK_ACCESS_SELECT },
  // The answer to a command the workflow accepted shows its task, even if a concurrent change moved it out of sight.
  authScopes: (task, ctx) => canSeeTaskRow(ctx.user, task) || !!ctx.commanded?.has(task.id),
  fields: (t) => ({
    allowedActions: t.field({
      type: [TaskActionEnum],
      description: 'What the signed-in user may do to this task now (the board renders its buttons from it).',
      resolve: (task, _args, ctx) => allowedActions(accessActor(ctx.user), accessTaskOf(task)),
    }),
    taskId: t.exposeString('id', { description: 'The database id (the relay `id` is global).' }),
    path: t.exposeString('path'),
    title: t.exposeString('title'),
    text: t.exposeString('text'),
    status: t.field({ type: TaskStatusEnum, resolve: (task) => task.status as TaskStatus }),
    health: t.field({
      type: HealthEnum,
      nullable: true,
      select: { health: true },
      resolve: (task) => task.health as Health | 'NONE' | null,
    }),
    escalationLevel: t.exposeInt('escalationLevel'),
    dueDate: t.exposeString('dueDate', { nullable: true }),
    deadlineText: t.exposeString('deadlineText', { nullable: true }),
    recurrence: t.exposeString('recurrence', { nullable: true }),
    reportCadence: t.exposeString('reportCadence', {
      nullable: true,
      description: '报送频次: WEEKLY:d (weekday 1–7) or MONTHLY:d (day 1–31); null = with the quarterly round.',
    }),
    responsibility: t.field({
      type: ResponsibilityRef,
      description: '退单, 挂起 and 回头看 as the workflow holds them.',
      select: { responsibility: true },
      resolve: (task) => responsibilityOf(task),
    }),
    reportCadenceLabel: t.string({
      select: { reportCadence: true },
      resolve: (task) => cadenceLabel(parseCadenceCode(task.reportCadence)),
    }),
    progress: t.exposeInt('progress'),
    needsAssignment: t.exposeBoolean('needsAssignment'),
    assignedAt: t.expose('assignedAt', { type: 'DateTime', nullable: true }),
    acknowledgedAt: t.expose('acknowledgedAt', { type: 'DateTime', nullable: true }),
    closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true }),
    cancelReason: t.exposeString('cancelReason', { nullable: true }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    plan: t.relation('plan'),
    section: t.relation('section', { nullable: true }),
    leadDepartment: t.relation('leadDepartment', { nullable: true }),
    cooperatingDepartments: t.prismaField({
      type: ['Department'],
      select: { cooperators: { orderBy: { sortOrder: 'asc' }, select: { departmentId: true, department: true } } },
      // Pothos merges this select with the type's access select (departmentId only) at run time.
      resolve: (_q, task) => (task.cooperators as unknown as { department: never }[]).map((c) => c.department),
    }),
    milestones: t.relation('milestones', { query: { orderBy: { dueDate: 'asc' } } }),
    indicators: t.relation('indicators'),
    reports: t.relation('reports', { query: { orderBy: { submittedAt: 'desc' } } }),
    latestReport: t.prismaField({
      type: 'ProgressReport',
      nullable: true,
      select: { reports: { where: { kind: 'REPORT' }, orderBy: { submittedAt: 'desc' }, take: 1 } },
      resolve: (_q, task) => task.reports[0] ?? null,
    }),
    extensionRequests: t.relation('extensions', { query: { orderBy: { createdAt: 'desc' } } }),
    closureReviews: t.relation('closures', { query: { orderBy: { createdAt: 'desc' } } }),
    instructions: t.relation('instructions', { query: { orderBy: { createdAt: 'desc' } } }),
    orders: t.relation('orders', {
      description: '督办单 issued on this task, newest first.',
      query: { orderBy: [{ issuedAt: 'desc' }, { number: 'desc' }] },
    }),
    assignmentDocumentUrl: t.string({
      nullable: true,
      description: 'The 交办通知单 (.docx), once the task is assigned.',
      select: { assignedAt: true },
      resolve: (task) => (task.assignedAt ? `/export/task/${encodeURIComponent(task.id)}/assignment.docx` : null),
    }),
    noticesSent: t.relation('notices', { query: { orderBy: { fireAt: 'asc' } } }),
    timeline: t.relation('events', { query: { orderBy: [{ at: 'asc' }, { id: 'asc' }] } }),
    lightHistory: t.relation('events', {
      description:
        'When the light changed and why (HEALTH events; `data` holds from, to and, under 序时进度, reason, progress and expected).',
      query: { where: { kind: 'HEALTH' }, orderBy: [{ at: 'asc' }, { id: 'asc' }] },
    }),
    expectedProgress: t.float({
      nullable: true,
      description:
        '序时进度: the progress (0–100) expected today from the share of working days elapsed between assignment and the deadline; null when not assigned or without a deadline.',
      select: { status: true, assignedAt: true, dueDate: true },
      resolve: async (task, _args, ctx) => {
        if (!task.assignedAt || !task.dueDate || !isPlausibleDate(task.dueDate)) return null;
        if (task.status === 'CLOSED' || task.status === 'CANCELLED' || task.status === 'DRAFT') return null;
        return expectedProgress(
          { assignedOn: shanghaiDate(task.assignedAt), dueDate: task.dueDate },
          shanghaiDate(Date.now()),
          await calendarOf(ctx),
        );
      },
    }),
    pendingNotices: t.field({
      type: [PlannedNoticeRef],
      description: 'Notices the escalation ladder will send unless the task changes first (from the workflow).',
      select: { workflowId: true, status: true },
      resolve: async (task, _args, ctx) => {
        if (!ctx.temporal || !task.workflowId || task.status === 'CLOSED' || task.status === 'CANCELLED') return [];
        try {
          return await ctx.temporal.workflow.getHandle(task.workflowId).query(defs.pendingNoticesQuery);
        } catch {
          return [] as PlannedNotice[];
        }
      },
    }),
  }),
});

interface TaskFilterShape {
  planId?: string | number | null;
  departmentId?: string | number | null;
  status?: TaskStatus[] | null;
  health?: (Health | 'NONE')[] | null;
  dueFrom?: string | null;
  dueTo?: string | null;
  search?: string | null;
  needsAssignment?: boolean | null;
}

/**
 * "Led or cooperated on by one of these departments", in a form SQLite answers from indexes:
 * the cooperating side is looked up first (TaskCooperator by departmentId), so the task query is
 * an OR of two index searches (lead department, id) instead of a scan of every task with a
 * correlated EXISTS per row (60 ms at 10,000 tasks, against 11 ms this way). Same rows as
 * `{ OR: [{ leadDepartmentId: { in } }, { cooperators: { some: { departmentId: { in } } } }] }`.
 */
async function ledOrCooperatedBy(ctx: Context, departmentIds: string[]): Promise<Prisma.TaskWhereInput> {
  const rows = await ctx.prisma.taskCooperator.findMany({
    where: { departmentId: { in: departmentIds } },
    select: { taskId: true },
  });
  const cooperated = [...new Set(rows.map((r) => r.taskId))];
  // Far beyond any real department; keeps the statement under SQLite's parameter limit.
  if (cooperated.length > 10_000) {
    return {
      OR: [
        { leadDepartmentId: { in: departmentIds } },
        { cooperators: { some: { departmentId: { in: departmentIds } } } },
      ],
    };
  }
  return { OR: [{ leadDepartmentId: { in: departmentIds } }, { id: { in: cooperated } }] };
}

/** taskWhere's answer per request and filter: the connection and its totalCount share it. */
const whereCache = new WeakMap<Context, Map<string, Promise<Prisma.TaskWhereInput>>>();

/** The `tasks` filter as a Prisma where clause, always within what the user may see. */
function taskWhere(ctx: Context, filter: TaskFilterShape | null | undefined): Promise<Prisma.TaskWhereInput> {
  const key = JSON.stringify(filter ?? null);
  let cache = whereCache.get(ctx);
  if (!cache) whereCache.set(ctx, (cache = new Map()));
  let where = cache.get(key);
  if (!where) cache.set(key, (where = buildTaskWhere(ctx, filter)));
  return where;
}

async function buildTaskWhere(
  ctx: Context,
  filter: TaskFilterShape | null | undefined,
): Promise<Prisma.TaskWhereInput> {
  // taskVisibility throws for nobody signed in; a scoped reader sees the tasks their departments lead or cooperate on.
  const scope = taskVisibility(ctx);
  const depts = visibleDepartmentIds(accessActor(ctx.user)!);
  const and: Prisma.TaskWhereInput[] = [depts === null ? scope : await ledOrCooperatedBy(ctx, depts)];
  if (filter?.planId) and.push({ planId: String(filter.planId) });
  if (filter?.departmentId) and.push(await ledOrCooperatedBy(ctx, [String(filter.departmentId)]));
  if (filter?.status?.length) and.push({ status: { in: filter.status } });
  if (filter?.health?.length) and.push({ health: { in: filter.health } });
  if (filter?.dueFrom) and.push({ dueDate: { gte: filter.dueFrom } });
  if (filter?.dueTo) and.push({ dueDate: { lte: filter.dueTo } });
  if (typeof filter?.needsAssignment === 'boolean') and.push({ needsAssignment: filter.needsAssignment });
  if (filter?.search) and.push({ OR: [{ title: { contains: filter.search } }, { text: { contains: filter.search } }] });
  return { AND: and };
}

const TaskFilter = builder.inputType('TaskFilter', {
  fields: (t) => ({
    planId: t.id({ required: false }),
    departmentId: t.id({ required: false, description: 'Lead or cooperating department' }),
    status: t.field({ type: [TaskStatusEnum], required: false }),
    health: t.field({ type: [HealthEnum], required: false }),
    dueFrom: t.string({ required: false, validate: isoDate }),
    dueTo: t.string({ required: false, validate: isoDate }),
    search: t.string({ required: false, validate: maxLen(100) }),
    needsAssignment: t.boolean({ required: false }),
  }),
});

builder.queryFields((t) => ({
  tasks: t.prismaConnection(
    {
      type: 'Task',
      cursor: 'id',
      maxSize: 500,
      defaultSize: 50,
      authScopes: { signedIn: true },
      args: {
        filter: t.arg({ type: TaskFilter, required: false }),
        sort: t.arg({ type: TaskSortEnum, required: false, defaultValue: 'PLAN_ORDER' }),
      },
      totalCount: async (_conn, { filter }, ctx) => ctx.prisma.task.count({ where: await taskWhere(ctx, filter) }),
      resolve: async (query, _root, { filter, sort }, ctx) => {
        const orderBy: Prisma.TaskOrderByWithRelationInput[] =
          sort === 'DUE_DATE'
            ? [{ dueDate: { sort: 'asc', nulls: 'last' } }, { sortOrder: 'asc' }]
            : sort === 'HEALTH'
              ? [
                  { escalationLevel: 'desc' },
                  { health: { sort: 'desc', nulls: 'last' } },
                  { dueDate: { sort: 'asc', nulls: 'last' } },
                ]
              : [{ planId: 'asc' }, { sortOrder: 'asc' }];
        return ctx.prisma.task.findMany({
          ...query,
          where: await taskWhere(ctx, filter),
          orderBy: [...orderBy, { id: 'asc' }],
        });
      },
    },
    {},
  ),
  task: t.prismaField({
    type: 'Task',
    nullable: true,
    authScopes: { signedIn: true },
    description:
      'A task by its relay id (Task.id) or its database id (Task.taskId); null when absent or not yours to see.',
    args: { id: t.arg.id() },
    resolve: async (query, _root, { id }, ctx) => {
      const task = await ctx.prisma.task.findFirst({
        ...nonEmpty(query),
        where: { AND: [{ id: taskIdOf(id) }, taskScope(ctx)] },
      });
      return task;
    },
  }),
}));

/** A task mutation: validate input, run the workflow Update, return the fresh read-model row. */
export function taskMutation(
  name: string,
  opts: {
    args: (t: any) => Record<string, any>;
    scopes?: Record<string, boolean>;
    run: (ctx: Context, args: any) => Promise<unknown>;
    description: string;
  },
) {
  builder.mutationField(name, (t) =>
    t.prismaField({
      type: 'Task',
      description: opts.description,
      errors: ERRORS,
      authScopes: opts.scopes ?? { signedIn: true },
      args: { taskId: t.arg.id(), ...opts.args(t) },
      resolve: async (query, _root, args: any, ctx) => {
        await opts.run(ctx, args);
        return ctx.prisma.task.findUniqueOrThrow({ ...nonEmpty(query), where: { id: taskIdOf(args.taskId) } });
      },
    }),
  );
}

const MilestoneInput = builder.inputType('MilestoneInput', {
  fields: (t) => ({
    text: t.string({ validate: text(200) }),
    dueDate: t.string({ validate: isoDate }),
  }),
});
const IndicatorValueInput = builder.inputType('IndicatorValueInput', {
  fields: (t) => ({ indicatorId: t.id(), value: t.float() }),
});

taskMutation('assignTask', {
  description: '交办 / reassign: lead and cooperating departments, due date, milestones (office).',
  args: (t) => ({
    leadDepartmentId: t.arg.id(),
    cooperatingDepartmentIds: t.arg.idList({ required: false }),
    dueDate: t.arg.string({ required: false, validate: isoDate }),
    milestones: t.arg({ type: [MilestoneInput], required: false }),
    reason: t.arg.string({ required: false, validate: maxLen(500) }),
    reportCadence: t.arg.string({
      required: false,
      validate: maxLen(20),
      description: "报送频次: 'WEEKLY:5', 'MONTHLY:5', or '' for none (only the quarterly round).",
    }),
  }),
  run: async (ctx, a) => {
    if (a.reportCadence) {
      const problem = cadenceProblem(a.reportCadence);
      if (problem) throw invalidInput(`${problem.zh}。`, `${problem.en}.`);
    }
    const ids = [String(a.leadDepartmentId), ...(a.cooperatingDepartmentIds ?? []).map(String)];
    const found = await ctx.prisma.department.count({ where: { id: { in: ids } } });
    if (found !== new Set(ids).size) throw invalidInput('未知的单位。', 'Unknown department.');
    return runTaskUpdate(ctx, String(a.taskId), 'ASSIGN', defs.assignUpdate, {
      leadDepartmentId: String(a.leadDepartmentId),
      cooperatingDepartmentIds: (a.cooperatingDepartmentIds ?? []).map(String),
      ...(a.dueDate !== undefined && a.dueDate !== null ? { dueDate: a.dueDate } : {}),
      ...(a.milestones
        ? {
            milestones: a.milestones.map((m: { text: string; dueDate: string }) => ({
              title: m.text,
              dueDate: m.dueDate,
            })),
          }
        : {}),
      ...(a.reason ? { reason: a.reason } : {}),
      ...(typeof a.reportCadence === 'string' ? { reportCadence: a.reportCadence } : {}),
    });
  },
});

taskMutation('acknowledgeTask', {
  description: '签收 (lead department).',
  args: () => ({}),
  run: (ctx, a) => runTaskUpdate(ctx, String(a.taskId), 'ACKNOWLEDGE', defs.acknowledgeUpdate, {}),
});

taskMutation('submitProgressReport', {
  description: '进展反馈: the lead reports; cooperating departments add contributions.',
  args: (t) => ({
    progress: t.arg.int({ validate: z.number().int().min(0, 'RANGE:0-100').max(100, 'RANGE:0-100') }),
    narrative: t.arg.string({ validate: text(5000) }),
    problems: t.arg.string({ required: false, validate: maxLen(2000) }),
    nextSteps: t.arg.string({ required: false, validate: maxLen(2000) }),
    indicatorValues: t.arg({ type: [IndicatorValueInput], required: false }),
    evidenceIds: t.arg.idList({ required: false, description: '佐证材料 uploaded for this report (optional).' }),
  }),
  run: async (ctx, a) => {
    const evidenceIds = await requireAttachableEvidence(ctx, String(a.taskId), a.evidenceIds, 'REPORT');
    return runTaskUpdate(ctx, String(a.taskId), 'REPORT', defs.submitReportUpdate, {
      ...(evidenceIds.length ? { evidenceIds } : {}),
      progress: a.progress,
      narrative: a.narrative,
      ...(a.problems ? { problems: a.problems } : {}),
      ...(a.nextSteps ? { nextSteps: a.nextSteps } : {}),
      actuals: (a.indicatorValues ?? []).map((v: { indicatorId: string; value: number }) => ({
        indicatorId: String(v.indicatorId),
        value: v.value,
      })),
    });
  },
});

taskMutation('requestExtension', {
  description: '延期申请 (lead department).',
  args: (t) => ({ newDueDate: t.arg.string({ validate: isoDate }), reason: t.arg.string({ validate: text(1000) }) }),
  run: (ctx, a) =>
    runTaskUpdate(ctx, String(a.taskId), 'REQUEST_EXTENSION', defs.requestExtensionUpdate, {
      requestedDueDate: a.newDueDate,
      reason: a.reason,
    }),
});

builder.mutationField('decideExtension', (t) =>
  t.prismaField({
    type: 'Task',
    description: 'Approve or reject the pending extension request (office): name it by requestId, or by its taskId.',
    errors: ERRORS,
    authScopes: { signedIn: true },
    args: {
      requestId: t.arg.id({ required: false }),
      taskId: t.arg.id({ required: false }),
      approve: t.arg.boolean(),
      comment: t.arg.string({ required: false, validate: maxLen(1000) }),
    },
    resolve: async (query, _root, a, ctx) => {
      let taskId = a.taskId ? taskIdOf(a.taskId) : null;
      if (a.requestId) {
        const req = await ctx.prisma.extensionRequest.findUnique({ where: { id: String(a.requestId) } });
        if (!req) throw notFound('延期申请', 'Extension request');
        if (taskId && taskId !== req.taskId)
          throw invalidInput('延期申请不属于该任务。', 'The request belongs to another task.');
        if (req.status !== 'PENDING') {
          throw new DubanError(
            'NO_PENDING_EXTENSION',
            {},
            { zh: '该延期申请已处理。', en: 'This request was already decided.' },
          );
        }
        taskId = req.taskId;
      }
      if (!taskId) throw invalidInput('请指定延期申请或任务。', 'Give a requestId or a taskId.');
      await runTaskUpdate(ctx, taskId, 'DECIDE_EXTENSION', defs.decideExtensionUpdate, {
        approve: a.approve,
        ...(a.comment ? { reason: a.comment } : {}),
      });
      return ctx.prisma.task.findUniqueOrThrow({ ...nonEmpty(query), where: { id: taskIdOf(taskId) } });
    },
  }),
);

taskMutation('requestClosure', {
  description: '办结申请 (lead department).',
  args: (t) => ({
    summary: t.arg.string({ validate: text(5000) }),
    evidenceIds: t.arg.idList({ required: false, description: '佐证材料 (a plan may require at least one).' }),
  }),
  run: async (ctx, a) => {
    const evidenceIds = await requireAttachableEvidence(ctx, String(a.taskId), a.evidenceIds, 'REQUEST_CLOSURE');
    return runTaskUpdate(ctx, String(a.taskId), 'REQUEST_CLOSURE', defs.requestClosureUpdate, {
      summary: a.summary,
      ...(evidenceIds.length ? { evidenceIds } : {}),
    });
  },
});

taskMutation('reviewClosure', {
  description: '审核: approve (销号) or return for rework (退回, with a reason) (office).',
  args: (t) => ({
    approve: t.arg.boolean(),
    comment: t.arg.string({ required: false, validate: maxLen(1000) }),
    checklist: t.arg({
      type: ClosureChecklistInput,
      required: false,
      description: '事实清楚, 问题解决, 资料齐全: all three for an approval.',
    }),
  }),
  run: (ctx, a) =>
    runTaskUpdate(ctx, String(a.taskId), 'REVIEW_CLOSURE', defs.reviewClosureUpdate, {
      approve: a.approve,
      ...(a.comment ? { reason: a.comment } : {}),
      ...(a.checklist ? { checklist: a.checklist } : {}),
    }),
});

taskMutation('escalateTask', {
  description: 'Escalate by hand (office).',
  args: (t) => ({
    reason: t.arg.string({ validate: text(1000) }),
    level: t.arg.int({
      required: false,
      defaultValue: 1,
      validate: z.number().int().min(1, 'RANGE:1-3').max(3, 'RANGE:1-3'),
    }),
  }),
  run: (ctx, a) =>
    runTaskUpdate(ctx, String(a.taskId), 'ESCALATE', defs.escalateUpdate, {
      level: (a.level ?? 1) as 1 | 2 | 3,
      reason: a.reason,
    }),
});

taskMutation('cancelTask', {
  description: '撤销 (office, with a reason).',
  args: (t) => ({ reason: t.arg.string({ validate: text(1000) }) }),
  run: (ctx, a) => runTaskUpdate(ctx, String(a.taskId), 'CANCEL', defs.cancelUpdate, { reason: a.reason }),
});

taskMutation('addInstruction', {
  description: '批示 (supervisor).',
  args: (t) => ({ text: t.arg.string({ validate: text(2000) }) }),
  run: (ctx, a) => runTaskUpdate(ctx, String(a.taskId), 'INSTRUCT', defs.addInstructionUpdate, { text: a.text }),
});

builder.queryField('supervisionOrders', (t) =>
  t.prismaField({
    type: ['SupervisionOrder'],
    description: 'The 督办单 register of a plan (and year): only orders on tasks the reader may see.',
    authScopes: { signedIn: true },
    args: {
      planId: t.arg.id({ required: false }),
      year: t.arg.int({ required: false }),
      status: t.arg.string({ required: false }),
    },
    resolve: (q, _root, a, ctx) =>
      ctx.prisma.supervisionOrder.findMany({
        ...q,
        where: {
          task: taskScope(ctx),
          ...(a.planId ? { planId: String(a.planId) } : {}),
          ...(a.year ? { year: a.year } : {}),
          ...(a.status ? { status: a.status } : {}),
        },
        orderBy: [{ year: 'desc' }, { number: 'desc' }],
        take: 500,
      }),
  }),
);

taskMutation('replyOrder', {
  description: '答复督办单 (lead department): what was done; the office then closes it.',
  args: (t) => ({ orderId: t.arg.id(), text: t.arg.string({ validate: text(2000) }) }),
  run: (ctx, a) =>
    runTaskUpdate(ctx, String(a.taskId), 'REPLY_ORDER', defs.replyOrderUpdate, {
      orderId: String(a.orderId),
      text: a.text,
    }),
});

taskMutation('closeOrder', {
  description: "督办单销号 (office): accept the department's reply.",
  args: (t) => ({ orderId: t.arg.id(), note: t.arg.string({ required: false, validate: maxLen(500) }) }),
  run: (ctx, a) =>
    runTaskUpdate(ctx, String(a.taskId), 'CLOSE_ORDER', defs.closeOrderUpdate, {
      orderId: String(a.orderId),
      ...(a.note ? { text: a.note } : {}),
    }),
});

builder.subscriptionField('taskChanged', (t) =>
  t.prismaField({
    type: 'Task',
    authScopes: { signedIn: true },
    args: { planId: t.arg.id({ required: false }) },
    subscribe: (_root, { planId }, ctx) =>
      filterAsync(ctx.events.subscribe('taskChanged'), async (e) => {
        if (planId && e.planId !== String(planId)) return false;
        // Everyone hears only about tasks they may see (the one access rule).
        const row = await ctx.prisma.task.findUnique({ where: { id: e.taskId }, select: TASK_ACCESS_SELECT });
        return !!row && canSeeTaskRow(ctx.user, row);
      }),
    resolve: (query, event: { taskId: string }, _args, ctx) =>
      ctx.prisma.task.findUniqueOrThrow({ ...nonEmpty(query), where: { id: event.taskId } }),
  }),
);

async function* filterAsync<T>(source: AsyncIterable<T>, keep: (x: T) => Promise<boolean>): AsyncGenerator<T> {
  for await (const x of source) if (await keep(x)) yield x;
}
