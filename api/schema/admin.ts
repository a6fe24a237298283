/** Administration: users, departments (merging aliases), calendar overrides, plan settings. */
import { z } from 'zod';
import { isPlausibleDate } from '../../domain/calendar.ts';
import { DEFAULT_SCHEDULE_RULES, DEFAULT_THRESHOLDS } from '../../domain/types.ts';
import { assessmentRulesProblem } from '../../domain/assessment.ts';
import { orderFormatProblem } from '../../domain/orders.ts';
import { evidenceSettingsFields, mergeEvidenceSettings } from './evidenceSettings.ts';
import { calendarChangedSignal, settingsChangedSignal } from '../../workflows/definitions.ts';
import { builder, nonEmpty } from '../builder.ts';
import { hashPassword } from '../auth.ts';
import { actorOf } from '../commands.ts';
import type { Context } from '../context.ts';
import { invalidInput, notFound } from '../errors.ts';
import { ERRORS } from './errors.ts';

const RoleEnum = builder.enumType('Role', { values: ['OFFICE', 'DEPARTMENT', 'SUPERVISOR', 'ADMIN'] as const });
const name = (max: number) => z.string().trim().min(1, 'REQUIRED').max(max, `MAX:${max}`);
const isoDate = z.string().refine((s) => isPlausibleDate(s), 'DATE');

async function audit(ctx: Context, action: string, entityType: string, entityId: string | null, data: object = {}) {
  const actor = actorOf(ctx);
  await ctx.prisma.auditLog.create({
    data: { actorId: actor.userId, actorRole: actor.role, action, entityType, entityId, data: JSON.stringify(data) },
  });
}

/** Tell every open task workflow (of a plan, or all) to reload; signals are durable, so none is missed. */
async function signalOpenTasks(
  ctx: Context,
  signal: typeof calendarChangedSignal | typeof settingsChangedSignal,
  planId?: string,
): Promise<number> {
  if (!ctx.temporal) return 0;
  const tasks = await ctx.prisma.task.findMany({
    where: { status: { notIn: ['CLOSED', 'CANCELLED'] }, workflowId: { not: null }, ...(planId ? { planId } : {}) },
    select: { workflowId: true },
  });
  await Promise.all(
    tasks.map((t) =>
      ctx
        .temporal!.workflow.getHandle(t.workflowId!)
        .signal(signal)
        .catch(() => undefined),
    ),
  );
  return tasks.length;
}

builder.queryField('users', (t) =>
  t.prismaField({
    type: ['User'],
    authScopes: { admin: true },
    resolve: (q, _r, _a, ctx) => ctx.prisma.user.findMany({ ...q, orderBy: { username: 'asc' } }),
  }),
);

builder.mutationField('createUser', (t) =>
  t.prismaField({
    type: 'User',
    errors: ERRORS,
    authScopes: { admin: true },
    args: {
      username: t.arg.string({ validate: z.string().regex(/^[a-zA-Z0-9_.-]{2,64}$/, 'USERNAME') }),
      displayName: t.arg.string({ validate: name(100) }),
      password: t.arg.string({
        validate: z.string().min(8, 'MIN:8').max(256, 'MAX:256'),
      }),
      role: t.arg({ type: RoleEnum }),
      departmentId: t.arg.id({ required: false }),
      email: t.arg.string({ required: false, validate: z.string().max(254, 'MAX:254').email('EMAIL') }),
    },
    resolve: async (q, _r, a, ctx) => {
      if (a.role === 'DEPARTMENT' && !a.departmentId)
        throw invalidInput('部门用户必须属于一个单位。', 'A DEPARTMENT user needs a department.');
      if (await ctx.prisma.user.findUnique({ where: { username: a.username } })) {
        throw invalidInput(`用户名已存在：${a.username}`, `Username taken: ${a.username}`);
      }
      if (a.departmentId && !(await ctx.prisma.department.findUnique({ where: { id: String(a.departmentId) } }))) {
        throw notFound('单位', 'Department');
      }
      const user = await ctx.prisma.user.create({
        ...nonEmpty(q),
        data: {
          username: a.username,
          displayName: a.displayName,
          passwordHash: await hashPassword(a.password),
          role: a.role,
          departmentId: a.departmentId ? String(a.departmentId) : null,
          email: a.email ?? null,
        },
      });
      await audit(ctx, 'CREATE_USER', 'User', user.id, { username: a.username, role: a.role });
      return user;
    },
  }),
);

builder.mutationField('updateUser', (t) =>
  t.prismaField({
    type: 'User',
    errors: ERRORS,
    authScopes: { admin: true },
    args: {
      userId: t.arg.id(),
      displayName: t.arg.string({ required: false, validate: name(100) }),
      password: t.arg.string({
        required: false,
        validate: z.string().min(8, 'MIN:8').max(256, 'MAX:256'),
      }),
      role: t.arg({ type: RoleEnum, required: false }),
      departmentId: t.arg.id({ required: false }),
      email: t.arg.string({ required: false, validate: z.string().max(254, 'MAX:254').email('EMAIL') }),
      active: t.arg.boolean({ required: false }),
    },
    resolve: async (q, _r, a, ctx) => {
      const user = await ctx.prisma.user.findUnique({ where: { id: String(a.userId) } });
      if (!user) throw notFound('用户', 'User');
      if (a.departmentId && !(await ctx.prisma.department.findUnique({ where: { id: String(a.departmentId) } }))) {
        throw notFound('单位', 'Department');
      }
      const role = a.role ?? user.role;
      const departmentId =
        a.departmentId !== undefined && a.departmentId !== null ? String(a.departmentId) : user.departmentId;
      if (role === 'DEPARTMENT' && !departmentId)
        throw invalidInput('部门用户必须属于一个单位。', 'A DEPARTMENT user needs a department.');
      const updated = await ctx.prisma.user.update({
        ...nonEmpty(q),
        where: { id: user.id },
        data: {
          ...(a.displayName ? { displayName: a.displayName } : {}),
          ...(a.password ? { passwordHash: await hashPassword(a.password) } : {}),
          role,
          departmentId: role === 'DEPARTMENT' ? departmentId : null,
          ...(a.email ? { email: a.email } : {}),
          ...(a.active !== undefined && a.active !== null ? { active: a.active } : {}),
        },
      });
      if (a.password || a.active === false) await ctx.prisma.session.deleteMany({ where: { userId: user.id } });
      await audit(ctx, 'UPDATE_USER', 'User', user.id, { role, active: a.active });
      return updated;
    },
  }),
);

builder.mutationField('createDepartment', (t) =>
  t.prismaField({
    type: 'Department',
    errors: ERRORS,
    authScopes: { admin: true },
    args: {
      name: t.arg.string({ validate: name(100) }),
      shortName: t.arg.string({ required: false, validate: name(50) }),
    },
    resolve: async (q, _r, a, ctx) => {
      if (await ctx.prisma.department.findUnique({ where: { name: a.name } }))
        throw invalidInput(`单位已存在：${a.name}`, `Department exists: ${a.name}`);
      const count = await ctx.prisma.department.count();
      const d = await ctx.prisma.department.create({
        ...nonEmpty(q),
        data: { name: a.name, shortName: a.shortName ?? null, sortOrder: count },
      });
      await audit(ctx, 'CREATE_DEPARTMENT', 'Department', d.id, { name: a.name });
      return d;
    },
  }),
);

builder.mutationField('mergeDepartments', (t) =>
  t.prismaField({
    type: 'Department',
    errors: ERRORS,
    authScopes: { admin: true },
    description:
      'Merge an alias department (e.g. 旗卫健委) into the canonical one (旗卫生健康委员会): its name becomes an alias; its users and open tasks move. Task moves go through the workflows.',
    args: { keepId: t.arg.id(), mergeId: t.arg.id() },
    resolve: async (q, _r, { keepId, mergeId }, ctx) => {
      if (String(keepId) === String(mergeId))
        throw invalidInput('不能与自身合并。', 'Cannot merge a department into itself.');
      const [keep, merge] = await Promise.all([
        ctx.prisma.department.findUnique({ where: { id: String(keepId) } }),
        ctx.prisma.department.findUnique({ where: { id: String(mergeId) } }),
      ]);
      if (!keep || !merge) throw notFound('单位', 'Department');
      const led = await ctx.prisma.task.count({
        where: { leadDepartmentId: merge.id, status: { notIn: ['CLOSED', 'CANCELLED'] } },
      });
      const cooperating = await ctx.prisma.taskCooperator.count({ where: { departmentId: merge.id } });
      if (led + cooperating > 0) {
        throw invalidInput(
          `该单位仍有 ${led + cooperating} 项任务，请先在任务中改派后再合并。`,
          `The department still has ${led + cooperating} tasks; reassign them first.`,
        );
      }
      const aliases = [
        ...new Set([...(JSON.parse(keep.aliases) as string[]), merge.name, ...(JSON.parse(merge.aliases) as string[])]),
      ];
      const result = await ctx.prisma.$transaction(async (tx) => {
        await tx.user.updateMany({ where: { departmentId: merge.id }, data: { departmentId: keep.id } });
        await tx.department.delete({ where: { id: merge.id } }).catch(async () => {
          // Historic rows (closed tasks, reports) still point at it: keep it, renamed as an alias record.
          await tx.department.update({
            where: { id: merge.id },
            data: { name: `${merge.name}（已并入${keep.name}）` },
          });
        });
        return tx.department.update({
          ...nonEmpty(q),
          where: { id: keep.id },
          data: { aliases: JSON.stringify(aliases) },
        });
      });
      await audit(ctx, 'MERGE_DEPARTMENTS', 'Department', keep.id, { merged: merge.name });
      return result;
    },
  }),
);

const CalendarDay = builder
  .objectRef<{ date: string; kind: string; name: string | null; source: string }>('CalendarOverride')
  .implement({
    fields: (t) => ({
      date: t.exposeString('date'),
      kind: t.exposeString('kind'),
      name: t.exposeString('name', { nullable: true }),
      source: t.exposeString('source'),
    }),
  });
const DayKindEnum = builder.enumType('DayKind', { values: ['WORKDAY', 'HOLIDAY'] as const });
const CalendarDayInput = builder.inputType('CalendarDayInput', {
  fields: (t) => ({
    date: t.string({ validate: isoDate }),
    kind: t.field({ type: DayKindEnum }),
    name: t.string({ required: false, validate: z.string().max(50, 'MAX:50') }),
  }),
});

builder.queryField('calendarOverrides', (t) =>
  t.field({
    type: [CalendarDay],
    authScopes: { signedIn: true },
    resolve: (_r, _a, ctx) => ctx.prisma.calendarOverride.findMany({ orderBy: { date: 'asc' } }),
  }),
);

builder.mutationField('setCalendarDays', (t) =>
  t.field({
    type: [CalendarDay],
    errors: ERRORS,
    authScopes: { admin: true },
    description:
      'Mark single days, or load a year’s official schedule (official: true marks every listed day as official data for that year). Running tasks re-plan their notices.',
    args: {
      days: t.arg({ type: [CalendarDayInput] }),
      official: t.arg.boolean({ required: false, defaultValue: false }),
    },
    resolve: async (_r, { days, official }, ctx) => {
      if (!days.length) throw invalidInput('没有要设置的日期。', 'No days given.');
      for (const d of days)
        if (Number.isNaN(Date.parse(d.date))) throw invalidInput(`无效日期：${d.date}`, `Invalid date: ${d.date}`);
      await ctx.prisma.$transaction(
        days.map((d) =>
          ctx.prisma.calendarOverride.upsert({
            where: { date: d.date },
            update: { kind: d.kind, name: d.name ?? null, source: official ? 'official' : 'manual' },
            create: { date: d.date, kind: d.kind, name: d.name ?? null, source: official ? 'official' : 'manual' },
          }),
        ),
      );
      await audit(ctx, 'SET_CALENDAR_DAYS', 'Calendar', null, { days: days.length, official });
      await signalOpenTasks(ctx, calendarChangedSignal);
      return ctx.prisma.calendarOverride.findMany({ orderBy: { date: 'asc' } });
    },
  }),
);

builder.mutationField('removeCalendarDay', (t) =>
  t.boolean({
    errors: ERRORS,
    authScopes: { admin: true },
    args: { date: t.arg.string({ validate: isoDate }) },
    resolve: async (_r, { date }, ctx) => {
      const deleted = await ctx.prisma.calendarOverride.deleteMany({ where: { date } });
      if (!deleted.count) throw notFound('日历调整', 'Calendar override');
      await audit(ctx, 'REMOVE_CALENDAR_DAY', 'Calendar', null, { date });
      await signalOpenTasks(ctx, calendarChangedSignal);
      return true;
    },
  }),
);

const ScheduleModeEnum = builder.enumType('ScheduleMode', {
  values: ['DEADLINE', 'SCHEDULE'] as const,
  description:
    'DEADLINE: green until the warning window. SCHEDULE: 序时进度, progress against the share of working days elapsed.',
});

const AssessmentModeEnum = builder.enumType('AssessmentMode', {
  values: ['WEIGHTED', 'POINTS'] as const,
  description: 'WEIGHTED: weighted shares (the default). POINTS: a base score with additions and deductions per event.',
});

const AssessmentPointInput = builder.inputType('AssessmentPointInput', {
  description: 'Points for one kind of event (closedOnTime, closedLate, reportLate, reportMissing, orderReceived).',
  fields: (t) => ({
    rule: t.string({ validate: z.string().max(40) }),
    lead: t.float({ required: false }),
    coop: t.float({ required: false }),
  }),
});

const ThresholdsInput = builder.inputType('PlanSettingsInput', {
  fields: (t) => ({
    ackReminderDays: t.int({ required: false, validate: z.number().int().min(0, 'RANGE:0-60').max(60, 'RANGE:0-60') }),
    warningDaysBefore: t.int({
      required: false,
      validate: z.number().int().min(0, 'RANGE:0-60').max(60, 'RANGE:0-60'),
    }),
    level1DaysOverdue: t.int({
      required: false,
      validate: z.number().int().min(1, 'RANGE:1-120').max(120, 'RANGE:1-120'),
    }),
    level2DaysOverdue: t.int({
      required: false,
      validate: z.number().int().min(1, 'RANGE:1-120').max(120, 'RANGE:1-120'),
    }),
    level3DaysOverdue: t.int({
      required: false,
      validate: z.number().int().min(1, 'RANGE:1-240').max(240, 'RANGE:1-240'),
    }),
    reportDueWorkingDays: t.int({
      required: false,
      validate: z.number().int().min(1, 'RANGE:1-60').max(60, 'RANGE:1-60'),
    }),
    noticeTime: t.string({ required: false, validate: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'TIME') }),
    scheduleMode: t.field({ type: ScheduleModeEnum, required: false }),
    yellowBehind: t.int({ required: false, validate: z.number().int().min(1, 'RANGE:1-100').max(100, 'RANGE:1-100') }),
    redBehind: t.int({ required: false, validate: z.number().int().min(1, 'RANGE:1-100').max(100, 'RANGE:1-100') }),
    aheadBy: t.int({ required: false, validate: z.number().int().min(1, 'RANGE:1-100').max(100, 'RANGE:1-100') }),
    escalateAfterYellowWeeks: t.int({
      required: false,
      validate: z.number().int().min(0, 'RANGE:0-52').max(52, 'RANGE:0-52'),
    }),
    orderNumberFormat: t.string({ required: false, validate: z.string().max(40, 'MAX:40') }),
    orderReplyWorkingDays: t.int({
      required: false,
      validate: z.number().int().min(1, 'RANGE:1-30').max(30, 'RANGE:1-30'),
    }),
    orderIssuer: t.string({ required: false, validate: z.string().max(40, 'MAX:40') }),
    assessmentMode: t.field({ type: AssessmentModeEnum, required: false }),
    assessmentBase: t.float({ required: false, validate: z.number().min(0, 'RANGE:0-1000').max(1000, 'RANGE:0-1000') }),
    assessmentBonusCap: t.float({
      required: false,
      validate: z.number().min(0, 'RANGE:0-1000').max(1000, 'RANGE:0-1000'),
    }),
    assessmentDeductionCap: t.float({
      required: false,
      validate: z.number().min(0, 'RANGE:0-1000').max(1000, 'RANGE:0-1000'),
    }),
    assessmentPoints: t.field({ type: [AssessmentPointInput], required: false }),
    praiseMinScore: t.float({ required: false, validate: z.number().min(0, 'RANGE:0-100').max(100, 'RANGE:0-100') }),
    criticiseOverdue: t.int({
      required: false,
      validate: z.number().int().min(0, 'RANGE:0-100').max(100, 'RANGE:0-100'),
    }),
    criticiseMissingReports: t.boolean({ required: false }),
    extensionMinWorkingDaysBefore: t.int({
      required: false,
      validate: z.number().int().min(0, 'RANGE:0-60').max(60, 'RANGE:0-60'),
    }),
    extensionMaxPerTask: t.int({
      required: false,
      validate: z.number().int().min(0, 'RANGE:0-20').max(20, 'RANGE:0-20'),
    }),
    extensionAllowAfterReturn: t.boolean({ required: false }),
    disputeDecideWorkingDays: t.int({
      required: false,
      validate: z.number().int().min(1, 'RANGE:1-30').max(30, 'RANGE:1-30'),
    }),
    reopenWindowDays: t.int({
      required: false,
      validate: z.number().int().min(0, 'RANGE:0-730').max(730, 'RANGE:0-730'),
    }),
    maxPauseDays: t.int({ required: false, validate: z.number().int().min(1, 'RANGE:1-730').max(730, 'RANGE:1-730') }),
    ...evidenceSettingsFields(t),
  }),
});

builder.mutationField('updatePlanSettings', (t) =>
  t.prismaField({
    type: 'Plan',
    errors: ERRORS,
    authScopes: { admin: true },
    args: { planId: t.arg.id(), settings: t.arg({ type: ThresholdsInput }) },
    resolve: async (q, _r, { planId, settings }, ctx) => {
      const plan = await ctx.prisma.plan.findUnique({ where: { id: String(planId) } });
      if (!plan) throw notFound('方案', 'Plan');
      const current = JSON.parse(plan.settings) as Record<string, any>;
      const {
        reportDueWorkingDays,
        noticeTime,
        scheduleMode,
        yellowBehind,
        redBehind,
        aheadBy,
        escalateAfterYellowWeeks,
        orderNumberFormat,
        orderReplyWorkingDays,
        orderIssuer,
        assessmentMode,
        assessmentBase,
        assessmentBonusCap,
        assessmentDeductionCap,
        assessmentPoints,
        praiseMinScore,
        criticiseOverdue,
        criticiseMissingReports,
        extensionMinWorkingDaysBefore,
        extensionMaxPerTask,
        extensionAllowAfterReturn,
        disputeDecideWorkingDays,
        reopenWindowDays,
        maxPauseDays,
        evidenceMaxFileMB,
        evidenceMaxFiles,
        evidenceTypes,
        evidenceRequiredForClosure,
        ...thresholds
      } = settings;
      const given = (o: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));
      const clean = given(thresholds);
      const schedule = {
        ...(current.schedule ?? {}),
        ...given({ mode: scheduleMode, yellowBehind, redBehind, aheadBy, escalateAfterYellowWeeks }),
      };
      const rules = { ...DEFAULT_SCHEDULE_RULES, ...schedule };
      if (rules.yellowBehind >= rules.redBehind) {
        throw invalidInput(
          '黄灯的落后幅度必须小于红灯的落后幅度。',
          'The yellow threshold must be below the red threshold.',
        );
      }
      const orders = {
        ...(current.orders ?? {}),
        ...given({ numberFormat: orderNumberFormat, replyWorkingDays: orderReplyWorkingDays, issuer: orderIssuer }),
      };
      const formatProblem = orders.numberFormat ? orderFormatProblem(orders.numberFormat) : null;
      if (formatProblem) throw invalidInput(`${formatProblem.zh}。`, `${formatProblem.en}.`);
      const points = { ...(current.assessment?.points ?? {}) };
      for (const p of assessmentPoints ?? [])
        points[p.rule] = { ...(points[p.rule] ?? {}), ...given({ lead: p.lead, coop: p.coop }) };
      const assessment = {
        ...(current.assessment ?? {}),
        ...given({
          mode: assessmentMode,
          base: assessmentBase,
          bonusCap: assessmentBonusCap,
          deductionCap: assessmentDeductionCap,
        }),
        ...(Object.keys(points).length ? { points } : {}),
      };
      const assessmentProblem = assessmentRulesProblem(assessment);
      if (assessmentProblem) throw invalidInput(`${assessmentProblem.zh}。`, `${assessmentProblem.en}.`);
      const bulletin = {
        ...(current.bulletin ?? {}),
        ...given({ praiseMinScore, criticiseOverdue, criticiseMissingReports }),
      };
      const extensionRules = {
        ...(current.extensionRules ?? {}),
        ...given({
          minWorkingDaysBefore: extensionMinWorkingDaysBefore,
          maxPerTask: extensionMaxPerTask,
          allowAfterReturn: extensionAllowAfterReturn,
        }),
      };
      const responsibility = {
        ...(current.responsibility ?? {}),
        ...given({ disputeDecideWorkingDays, reopenWindowDays, maxPauseDays }),
      };
      const evidence = mergeEvidenceSettings(current.evidence, {
        evidenceMaxFileMB,
        evidenceMaxFiles,
        evidenceTypes,
        evidenceRequiredForClosure,
      });
      const next = {
        ...current,
        ...(evidence ? { evidence } : {}),
        ...(Object.keys(extensionRules).length ? { extensionRules } : {}),
        ...(Object.keys(responsibility).length ? { responsibility } : {}),
        ...(Object.keys(orders).length ? { orders } : {}),
        ...(Object.keys(assessment).length ? { assessment } : {}),
        ...(Object.keys(bulletin).length ? { bulletin } : {}),
        thresholds: { ...(current.thresholds ?? {}), ...clean },
        ...(Object.keys(schedule).length ? { schedule } : {}),
        ...(reportDueWorkingDays ? { reportDueWorkingDays } : {}),
        ...(noticeTime ? { noticeTime } : {}),
      };
      const t1 = { ...DEFAULT_THRESHOLDS, ...next.thresholds };
      if (t1.level1DaysOverdue > t1.level2DaysOverdue || t1.level2DaysOverdue > t1.level3DaysOverdue) {
        throw invalidInput('督办等级的天数必须逐级递增。', 'Escalation levels must not decrease.');
      }
      const updated = await ctx.prisma.plan.update({
        ...nonEmpty(q),
        where: { id: plan.id },
        data: { settings: JSON.stringify(next) },
      });
      await audit(ctx, 'UPDATE_PLAN_SETTINGS', 'Plan', plan.id, next);
      await signalOpenTasks(ctx, settingsChangedSignal, plan.id);
      return updated;
    },
  }),
);
