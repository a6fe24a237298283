/** Plans and departments: reading them, importing a plan document, creating and editing draft tasks. */
import { z } from 'zod';
import type { ParsedPlan } from '../../domain/parser/index.ts';
import { ImportError, parsePlanText, readPlanDocument, MAX_PLAN_BYTES } from '../../activities/import.ts';
import { savePlan, startPlanWorkflows } from '../../activities/plans.ts';
import { taskWorkflowId } from '../../workflows/definitions.ts';
import { builder, nonEmpty } from '../builder.ts';
import { actorOf } from '../commands.ts';
import { DubanError, invalidInput, invalidState, notFound } from '../errors.ts';
import { ERRORS } from './errors.ts';
import { taskVisibility } from './tasks.ts';

builder.scalarType('File', {
  serialize: () => {
    throw new Error('File is an input-only scalar');
  },
  parseValue: (value) => value as File,
});

export const Plan = builder.prismaObject('Plan', {
  fields: (t) => ({
    id: t.exposeID('id'),
    title: t.exposeString('title'),
    issuer: t.exposeString('issuer', { nullable: true }),
    docNumber: t.exposeString('docNumber', { nullable: true }),
    status: t.exposeString('status'),
    settings: t.string({
      description: 'JSON plan settings (thresholds, report window, score weights)',
      resolve: (p) => p.settings,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    targets: t.relation('targets'),
    sections: t.relation('sections', { query: { where: { parentId: null }, orderBy: { sortOrder: 'asc' } } }),
    tasks: t.relation('tasks', {
      query: (_args, ctx) => ({ where: taskVisibility(ctx), orderBy: { sortOrder: 'asc' } }),
    }),
    taskCount: t.relationCount('tasks'),
    rounds: t.relation('rounds', { query: { orderBy: [{ year: 'desc' }, { quarter: 'desc' }] } }),
  }),
});

builder.queryFields((t) => ({
  departments: t.prismaField({
    type: ['Department'],
    authScopes: { signedIn: true },
    resolve: (query, _r, _a, ctx) =>
      ctx.prisma.department.findMany({ ...query, orderBy: [{ sortOrder: 'asc' }, { name: 'asc' }] }),
  }),
  plans: t.prismaField({
    type: ['Plan'],
    authScopes: { signedIn: true },
    resolve: (query, _r, _a, ctx) => ctx.prisma.plan.findMany({ ...query, orderBy: { createdAt: 'desc' } }),
  }),
  plan: t.prismaField({
    type: 'Plan',
    nullable: true,
    authScopes: { signedIn: true },
    args: { id: t.arg.id() },
    resolve: (query, _r, { id }, ctx) => ctx.prisma.plan.findUnique({ ...nonEmpty(query), where: { id: String(id) } }),
  }),
}));

// ─── import ────────────────────────────────────────────────────────────────

interface Preview {
  parsed: ParsedPlan;
  aliasSuggestions: { name: string; existing: string }[];
}

const DeadlineRef = builder.objectRef<{ text: string; date: string | null }>('ImportedDeadline').implement({
  fields: (t) => ({ text: t.exposeString('text'), date: t.exposeString('date', { nullable: true }) }),
});
const TargetRef = builder
  .objectRef<{
    text: string;
    metric: string | null;
    comparator: string | null;
    value: number | null;
    unit: string | null;
    date?: string;
  }>('ImportedTarget')
  .implement({
    fields: (t) => ({
      text: t.exposeString('text'),
      metric: t.exposeString('metric', { nullable: true }),
      comparator: t.exposeString('comparator', { nullable: true }),
      value: t.exposeFloat('value', { nullable: true }),
      unit: t.exposeString('unit', { nullable: true }),
      date: t.exposeString('date', { nullable: true }),
    }),
  });
const ImportedTask = builder.objectRef<ParsedPlan['tasks'][number]>('ImportedTask').implement({
  fields: (t) => ({
    path: t.exposeStringList('path'),
    title: t.exposeString('title'),
    lead: t.exposeStringList('lead'),
    cooperating: t.exposeStringList('cooperating'),
    deadlines: t.field({ type: [DeadlineRef], resolve: (x) => x.deadlines }),
    targets: t.field({ type: [TargetRef], resolve: (x) => x.targets }),
    recurrence: t.exposeString('recurrence', { nullable: true }),
    unassigned: t.boolean({ resolve: (x) => x.lead.length === 0 }),
  }),
});
const AliasSuggestion = builder.objectRef<{ name: string; existing: string }>('AliasSuggestion').implement({
  description:
    'A department name in the document that looks like a known department (merge suggested, never automatic).',
  fields: (t) => ({ name: t.exposeString('name'), existing: t.exposeString('existing') }),
});
const ImportPreview = builder.objectRef<Preview>('ImportPreview').implement({
  fields: (t) => ({
    title: t.string({ nullable: true, resolve: (p) => p.parsed.title }),
    issuer: t.string({ nullable: true, resolve: (p) => p.parsed.issuer }),
    docNumber: t.string({ nullable: true, resolve: (p) => p.parsed.doc_number }),
    departments: t.stringList({ resolve: (p) => p.parsed.departments }),
    tasks: t.field({ type: [ImportedTask], resolve: (p) => p.parsed.tasks }),
    planTargets: t.field({ type: [TargetRef], resolve: (p) => p.parsed.plan_targets }),
    warnings: t.stringList({ resolve: (p) => p.parsed.warnings.map((w) => w.message) }),
    aliasSuggestions: t.field({ type: [AliasSuggestion], resolve: (p) => p.aliasSuggestions }),
    json: t.string({
      description: 'The parsed plan as JSON: edit it and send it back as `corrected` to import.',
      resolve: (p) => JSON.stringify(p.parsed),
    }),
  }),
});
const ImportResult = builder.objectRef<{ preview: Preview; planId: string | null }>('ImportPlanResult').implement({
  fields: (t) => ({
    preview: t.field({ type: ImportPreview, resolve: (r) => r.preview }),
    plan: t.prismaField({
      type: 'Plan',
      nullable: true,
      resolve: (query, r, _a, ctx) =>
        r.planId ? ctx.prisma.plan.findUnique({ ...nonEmpty(query), where: { id: r.planId } }) : null,
    }),
  }),
});

/** "旗卫健委" looks like "旗卫生健康委员会": same first character, and one's characters appear in order in the other. */
export function looksLikeAlias(a: string, b: string): boolean {
  if (a === b || !a || !b || a[0] !== b[0]) return false;
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  if (short.length < 3) return false;
  let i = 0;
  for (const ch of long) if (ch === short[i]) i++;
  return i === short.length;
}

builder.mutationField('importPlan', (t) =>
  t.field({
    type: ImportResult,
    errors: ERRORS,
    authScopes: { office: true },
    description:
      'Import a plan from text or an uploaded .txt/.md/.docx. dryRun returns the preview only; `corrected` imports an edited preview.',
    args: {
      text: t.arg.string({ required: false, validate: z.string().max(MAX_PLAN_BYTES, 'at most 10 MB') }),
      file: t.arg({ type: 'File', required: false }),
      fileName: t.arg.string({ required: false, validate: z.string().max(255, 'at most 255 characters') }),
      dryRun: t.arg.boolean({ required: false, defaultValue: false }),
      corrected: t.arg.string({ required: false, description: 'ImportPreview.json, corrected by the office' }),
    },
    resolve: async (_r, args, ctx) => {
      const actor = actorOf(ctx);
      let source: { text: string; format: string };
      let parsed: ParsedPlan;
      try {
        if (args.file) {
          const file = args.file as File;
          source = await readPlanDocument(Buffer.from(await file.arrayBuffer()), args.fileName ?? file.name);
        } else if (args.text) {
          source = { text: args.text, format: 'txt' };
        } else {
          throw new ImportError('请上传文件或粘贴方案文本。', 'Upload a file or paste the plan text.');
        }
        parsed = args.corrected
          ? parseCorrected(args.corrected)
          : parsePlanText(source.text, args.fileName ?? undefined);
      } catch (err) {
        if (err instanceof ImportError) throw new DubanError('IMPORT_FAILED', {}, { zh: err.zh, en: err.en });
        throw err;
      }
      const known = await ctx.prisma.department.findMany();
      const names = new Set(known.flatMap((d) => [d.name, ...(JSON.parse(d.aliases) as string[])]));
      const seen = [...new Set([...parsed.departments, ...parsed.tasks.flatMap((x) => [...x.lead, ...x.cooperating])])];
      const aliasSuggestions = seen
        .filter((n) => !names.has(n))
        .flatMap((name) => known.filter((d) => looksLikeAlias(name, d.name)).map((d) => ({ name, existing: d.name })));
      const preview = { parsed, aliasSuggestions };
      if (args.dryRun) return { preview, planId: null };
      if (!ctx.temporal) throw new DubanError('TEMPORAL_UNAVAILABLE');
      const saved = await savePlan(ctx.prisma, parsed, source, { createdById: actor.userId });
      await startPlanWorkflows(ctx.temporal, ctx.config.temporal.taskQueue, saved, parsed.title ?? '', actor);
      return { preview, planId: saved.planId };
    },
  }),
);

function parseCorrected(json: string): ParsedPlan {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new ImportError('修正后的预览不是有效的 JSON。', 'The corrected preview is not valid JSON.');
  }
  const p = value as ParsedPlan;
  if (!p || !Array.isArray(p.tasks) || !p.tasks.length || !Array.isArray(p.departments)) {
    throw new ImportError('修正后的预览缺少任务或单位列表。', 'The corrected preview lacks tasks or departments.');
  }
  for (const [i, task] of p.tasks.entries()) {
    if (!task.title || !Array.isArray(task.path) || !Array.isArray(task.lead) || !Array.isArray(task.cooperating)) {
      throw new ImportError(`第 ${i + 1} 项任务不完整。`, `Task ${i + 1} is incomplete.`);
    }
    for (const d of task.deadlines ?? []) {
      if (d.date && !/^\d{4}-\d{2}-\d{2}$/.test(d.date)) {
        throw new ImportError(`第 ${i + 1} 项任务的时限格式有误：${d.date}`, `Task ${i + 1}: bad date ${d.date}`);
      }
    }
    task.deadlines ??= [];
    task.targets ??= [];
  }
  p.plan_targets ??= [];
  p.warnings ??= [];
  return p;
}

// ─── tasks created or edited by hand ──────────────────────────────────────

builder.mutationField('createTask', (t) =>
  t.prismaField({
    type: 'Task',
    errors: ERRORS,
    authScopes: { office: true },
    args: {
      planId: t.arg.id(),
      title: t.arg.string({ validate: z.string().trim().min(1, 'required').max(200, 'at most 200 characters') }),
      text: t.arg.string({ required: false, validate: z.string().max(10000, 'at most 10000 characters') }),
      sectionId: t.arg.id({ required: false }),
      dueDate: t.arg.string({ required: false, validate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD') }),
    },
    resolve: async (query, _r, a, ctx) => {
      const actor = actorOf(ctx);
      if (!ctx.temporal) throw new DubanError('TEMPORAL_UNAVAILABLE');
      const plan = await ctx.prisma.plan.findUnique({ where: { id: String(a.planId) } });
      if (!plan) throw notFound('方案', 'Plan');
      const count = await ctx.prisma.task.count({ where: { planId: plan.id } });
      const task = await ctx.prisma.task.create({
        data: {
          planId: plan.id,
          sectionId: a.sectionId ? String(a.sectionId) : null,
          path: `手动-${count + 1}`,
          sortOrder: count,
          title: a.title,
          text: a.text ?? a.title,
          dueDate: a.dueDate ?? null,
          needsAssignment: true,
        },
      });
      const workflowId = taskWorkflowId(task.id);
      await ctx.prisma.task.update({ where: { id: task.id }, data: { workflowId } });
      await ctx.temporal.workflow.start('reformTask', {
        taskQueue: ctx.config.temporal.taskQueue,
        workflowId,
        args: [{ taskId: task.id, planId: plan.id, title: a.title, dueDate: a.dueDate ?? null, createdBy: actor }],
      });
      return ctx.prisma.task.findUniqueOrThrow({ ...nonEmpty(query), where: { id: task.id } });
    },
  }),
);

builder.mutationField('updateTask', (t) =>
  t.prismaField({
    type: 'Task',
    errors: ERRORS,
    authScopes: { office: true },
    description: 'Edit the wording of a DRAFT task (deadlines and departments are set with assignTask).',
    args: {
      taskId: t.arg.id(),
      title: t.arg.string({
        required: false,
        validate: z.string().trim().min(1, 'required').max(200, 'at most 200 characters'),
      }),
      text: t.arg.string({ required: false, validate: z.string().max(10000, 'at most 10000 characters') }),
    },
    resolve: async (query, _r, a, ctx) => {
      actorOf(ctx);
      const task = await ctx.prisma.task.findUnique({ where: { id: String(a.taskId) } });
      if (!task) throw notFound('任务', 'Task');
      if (task.status !== 'DRAFT') throw invalidState('只能修改待交办的任务。', 'Only DRAFT tasks can be edited.');
      if (!a.title && !a.text) throw invalidInput('没有要修改的内容。', 'Nothing to change.');
      return ctx.prisma.task.update({
        ...nonEmpty(query),
        where: { id: task.id },
        data: { ...(a.title ? { title: a.title } : {}), ...(a.text ? { text: a.text } : {}) },
      });
    },
  }),
);
