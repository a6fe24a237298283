/** Quarterly supervision rounds: reading them, opening and closing them (through the plan's workflow). */
import { z } from 'zod';
import { closeRoundUpdate, openRoundNowUpdate, planWorkflowId } from '../../workflows/definitions.ts';
import { builder, nonEmpty } from '../builder.ts';
import { taskScope } from '../access.ts';
import { actorOf, toDubanError } from '../commands.ts';
import { DubanError, notFound } from '../errors.ts';
import type { Context } from '../context.ts';
import { ERRORS } from './errors.ts';
import type { ScoreLine } from '../../domain/assessment.ts';
import { label } from '../../domain/vocabulary.ts';
import { RoundResponsibilityRef, visibleRoundResponsibility } from './roundResponsibility.ts';

const ScoreLineRef = builder.objectRef<ScoreLine>('ScoreLine').implement({
  description: "One line of a department's score: what, how many, points each, total (the lines sum to the score).",
  fields: (t) => ({
    rule: t.exposeString('rule'),
    label: t.string({ resolve: (l) => label('SCORE_LINE', l.rule) }),
    role: t.string({ nullable: true, resolve: (l) => l.role ?? null }),
    roleLabel: t.string({ nullable: true, resolve: (l) => (l.role ? label('SCORE_ROLE', l.role) : null) }),
    count: t.int({ nullable: true, resolve: (l) => l.count ?? null }),
    points: t.float({ resolve: (l) => l.points }),
    value: t.float({ nullable: true, resolve: (l) => l.value ?? null }),
    weight: t.float({ nullable: true, resolve: (l) => l.weight ?? null }),
    total: t.float({ resolve: (l) => l.total }),
  }),
});

builder.prismaObject('RoundEvaluationRow', {
  fields: (t) => ({
    breakdown: t.field({
      type: [ScoreLineRef],
      description: 'How the score was reached, frozen with the round.',
      resolve: (r) => JSON.parse(r.breakdown) as ScoreLine[],
    }),
    department: t.relation('department'),
    onTimeRate: t.exposeFloat('onTimeRate'),
    onTrack: t.exposeInt('onTrack'),
    atRisk: t.exposeInt('atRisk'),
    overdue: t.exposeInt('overdue'),
    completed: t.exposeInt('completed'),
    attainment: t.exposeFloat('attainment'),
    score: t.exposeFloat('score'),
    rank: t.exposeInt('rank'),
  }),
});

builder.prismaObject('SupervisionRound', {
  fields: (t) => ({
    id: t.exposeID('id'),
    year: t.exposeInt('year'),
    quarter: t.exposeInt('quarter'),
    label: t.string({ resolve: (r) => `${r.year}年第${r.quarter}季度` }),
    opensAt: t.expose('opensAt', { type: 'DateTime' }),
    reportDueDate: t.exposeString('reportDueDate'),
    status: t.exposeString('status'),
    closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true }),
    plan: t.relation('plan'),
    evaluation: t.relation('rows', { query: { orderBy: [{ rank: 'asc' }] } }),
    assessmentMode: t.string({
      nullable: true,
      description: 'WEIGHTED or POINTS: the formula the closed round used.',
      resolve: (r) =>
        r.evaluation
          ? (JSON.parse(r.evaluation) as { assessment?: unknown }).assessment
            ? 'POINTS'
            : 'WEIGHTED'
          : null,
    }),
    responsibility: t.field({
      type: RoundResponsibilityRef,
      nullable: true,
      description: '退单, approved 延期 and ended 挂起 of the quarter (a closed round; a department sees its own).',
      resolve: (r, _a, ctx) => visibleRoundResponsibility(r.evaluation, ctx),
    }),
    bulletinUrl: t.string({
      nullable: true,
      description: 'The 督查通报 (.docx) of a closed round.',
      resolve: (r) => (r.status === 'CLOSED' ? `/export/round/${encodeURIComponent(r.id)}/bulletin.docx` : null),
    }),
    bulletinTableUrl: t.string({
      nullable: true,
      description: 'The 通报 table (.xlsx) of a closed round.',
      resolve: (r) => (r.status === 'CLOSED' ? `/export/round/${encodeURIComponent(r.id)}/bulletin.xlsx` : null),
    }),
    // A round spans every department: its reports and notices are those of tasks the reader may see.
    reports: t.relation('reports', {
      query: (_args, ctx) => ({ where: { task: taskScope(ctx) }, orderBy: { submittedAt: 'asc' } }),
    }),
    notices: t.relation('notices', {
      query: (_args, ctx) => ({
        where: { OR: [{ taskId: null }, { task: taskScope(ctx) }] },
        orderBy: { fireAt: 'asc' },
      }),
    }),
    expected: t.prismaField({
      type: ['Department'],
      description: 'Lead departments that owe a report this round (their tasks were open when it opened).',
      resolve: async (q, r, _a, ctx) =>
        ctx.prisma.department.findMany({ ...nonEmpty(q), where: { id: { in: (await owed(ctx, r)).all } } }),
    }),
    missing: t.prismaField({
      type: ['Department'],
      description: 'Departments that still owe at least one report.',
      resolve: async (q, r, _a, ctx) =>
        ctx.prisma.department.findMany({ ...nonEmpty(q), where: { id: { in: (await owed(ctx, r)).missing } } }),
    }),
  }),
});

/** Who owes a report in a round, and who has not delivered yet (a task's lead reports once per round). */
async function owed(ctx: Context, round: { planId: string; opensAt: Date }) {
  const tasks = await ctx.prisma.task.findMany({
    where: {
      planId: round.planId,
      leadDepartmentId: { not: null },
      status: { notIn: ['DRAFT', 'CANCELLED'] },
      OR: [{ closedAt: null }, { closedAt: { gte: round.opensAt } }],
    },
    select: {
      leadDepartmentId: true,
      reports: { where: { kind: 'REPORT', submittedAt: { gte: round.opensAt } }, select: { id: true }, take: 1 },
    },
  });
  const all = [...new Set(tasks.map((t) => t.leadDepartmentId!))];
  const missing = [...new Set(tasks.filter((t) => t.reports.length === 0).map((t) => t.leadDepartmentId!))];
  return { all, missing };
}

builder.queryFields((t) => ({
  supervisionRounds: t.prismaField({
    type: ['SupervisionRound'],
    authScopes: { signedIn: true },
    args: { planId: t.arg.id({ required: false, description: 'All plans when omitted' }) },
    resolve: (query, _r, { planId }, ctx) =>
      ctx.prisma.supervisionRound.findMany({
        ...nonEmpty(query),
        where: planId ? { planId: String(planId) } : {},
        orderBy: [{ year: 'desc' }, { quarter: 'desc' }],
      }),
  }),
  round: t.prismaField({
    type: 'SupervisionRound',
    nullable: true,
    authScopes: { signedIn: true },
    args: { id: t.arg.id() },
    resolve: (query, _r, { id }, ctx) =>
      ctx.prisma.supervisionRound.findUnique({ ...nonEmpty(query), where: { id: String(id) } }),
  }),
}));

builder.mutationField('closeRound', (t) =>
  t.prismaField({
    type: 'SupervisionRound',
    errors: ERRORS,
    authScopes: { office: true },
    description: 'Close an open round now; its evaluation is computed and frozen.',
    args: { roundId: t.arg.id() },
    resolve: async (query, _r, { roundId }, ctx) => {
      const actor = actorOf(ctx);
      const round = await ctx.prisma.supervisionRound.findUnique({ where: { id: String(roundId) } });
      if (!round) throw notFound('督查轮次', 'Round');
      if (round.status === 'CLOSED')
        throw new DubanError('INVALID_STATE', {}, { zh: '该轮次已关闭。', en: 'The round is already closed.' });
      if (!ctx.temporal) throw new DubanError('TEMPORAL_UNAVAILABLE');
      try {
        await ctx.temporal.workflow
          .getHandle(planWorkflowId(round.planId))
          .executeUpdate(closeRoundUpdate, { args: [{ actor, roundId: round.id }] });
      } catch (err) {
        throw toDubanError(err);
      }
      return ctx.prisma.supervisionRound.findUniqueOrThrow({ ...nonEmpty(query), where: { id: round.id } });
    },
  }),
);

builder.mutationField('openRound', (t) =>
  t.boolean({
    errors: ERRORS,
    authScopes: { office: true },
    description:
      'Rounds open by themselves at each quarter’s end (the plan’s supervision workflow). This (re)starts that workflow for the given quarter when it is not running.',
    args: {
      planId: t.arg.id(),
      quarter: t.arg.string({
        validate: z
          .string()
          .trim()
          .regex(/^\d{4}-Q[1-4]$/, 'QUARTER'),
      }),
    },
    resolve: async (_r, { planId, quarter }, ctx) => {
      actorOf(ctx);
      const plan = await ctx.prisma.plan.findUnique({ where: { id: String(planId) } });
      if (!plan) throw notFound('方案', 'Plan');
      if (!ctx.temporal) throw new DubanError('TEMPORAL_UNAVAILABLE');
      const [year, q] = quarter.split('-Q').map(Number) as [number, number];
      try {
        await ctx.temporal.workflow.start('planSupervision', {
          taskQueue: ctx.config.temporal.taskQueue,
          workflowId: planWorkflowId(plan.id),
          args: [{ planId: plan.id, title: plan.title, quarter: { year, quarter: q } }],
        });
      } catch (err) {
        if (err instanceof Error && err.name === 'WorkflowExecutionAlreadyStartedError') {
          // The plan's supervision is waiting for this quarter's end: open its round now.
          try {
            await ctx.temporal.workflow
              .getHandle(planWorkflowId(plan.id))
              .executeUpdate(openRoundNowUpdate, { args: [{ actor: actorOf(ctx), year, quarter: q }] });
            return true;
          } catch (e) {
            throw toDubanError(e);
          }
        }
        throw toDubanError(err);
      }
      return true;
    },
  }),
);
