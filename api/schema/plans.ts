/** Plans and departments: reading them, importing a plan document, creating and editing draft tasks. */
import { z } from 'zod';
import { COLUMN_FIELD_ZH, type ColumnField, type ParsedPlan } from '../../domain/parser/index.ts';
import {
  ImportError,
  parsePlanSource,
  readPlanDocument,
  MAX_PLAN_BYTES,
  type PlanSource,
} from '../../services/import.ts';
import {
  duplicateError,
  findDuplicatePlan,
  isDocumentText,
  savePlan,
  startPlanWorkflows,
  titleRequiredError,
} from '../../services/plans.ts';
import { shanghaiDate } from '../../domain/calendar.ts';
import { taskWorkflowId } from '../../workflows/definitions.ts';
import { builder, nonEmpty } from '../builder.ts';
import { actorOf } from '../commands.ts';
import { DubanError, invalidInput, invalidState, notFound } from '../errors.ts';
import { ERRORS } from './errors.ts';
import { isoDate, taskVisibility } from './tasks.ts';
import { taskIdOf } from '../access.ts';

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
    issuedOn: t.exposeString('issuedOn', { nullable: true, description: 'Date the plan was issued (YYYY-MM-DD)' }),
    supersedesId: t.exposeString('supersedesId', {
      nullable: true,
      description: 'The plan this one replaces (a confirmed new version of the same document)',
    }),
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
  duplicateOf: { id: string; title: string; createdAt: Date } | null;
}

const DeadlineRef = builder
  .objectRef<{ text: string; date: string | null; past?: boolean; inferred?: string }>('ImportedDeadline')
  .implement({
    fields: (t) => ({
      text: t.exposeString('text'),
      date: t.exposeString('date', { nullable: true }),
      past: t.boolean({
        description: 'The date was already past on the import day: flagged, never chased as overdue.',
        resolve: (d) => d.past === true,
      }),
      inferred: t.exposeString('inferred', {
        nullable: true,
        description: 'YEAR_FROM_CONTEXT (12月底前 after 2024年…) or PLAN_YEAR (年内), when not written in full',
      }),
    }),
  });
const EvidenceRef = builder.objectRef<{ field: string; text: string; reason: string }>('ImportEvidence').implement({
  description: 'Why a field of an imported task was read so: the source span and the reason (Chinese).',
  fields: (t) => ({
    field: t.exposeString('field'),
    text: t.exposeString('text'),
    reason: t.exposeString('reason'),
  }),
});
const WarningRef = builder.objectRef<ParsedPlan['warnings'][number]>('ImportWarning').implement({
  fields: (t) => ({
    code: t.exposeString('code'),
    message: t.exposeString('message', { description: 'Chinese' }),
    messageEn: t.string({ resolve: (w) => w.messageEn ?? w.message }),
    path: t.stringList({ resolve: (w) => w.path ?? [] }),
  }),
});
const ColumnRef = builder
  .objectRef<{ index: number; header: string; field: ColumnField | null }>('ImportColumn')
  .implement({
    description: 'How a table column was read (the office may correct it and preview again).',
    fields: (t) => ({
      index: t.exposeInt('index'),
      header: t.exposeString('header'),
      field: t.exposeString('field', { nullable: true }),
      fieldZh: t.string({ resolve: (c) => (c.field ? COLUMN_FIELD_ZH[c.field] : '未识别') }),
    }),
  });
const DocumentRef = builder
  .objectRef<{ index: number; title: string | null; doc_number: string | null; tasks: number }>('ImportDocument')
  .implement({
    description: 'One document of a file holding several.',
    fields: (t) => ({
      index: t.exposeInt('index'),
      title: t.exposeString('title', { nullable: true }),
      docNumber: t.string({ nullable: true, resolve: (d) => d.doc_number }),
      tasks: t.exposeInt('tasks'),
    }),
  });
const DuplicateRef = builder.objectRef<{ id: string; title: string; createdAt: Date }>('ImportDuplicate').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    title: t.exposeString('title'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
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
    responsibilitySource: t.string({ nullable: true, resolve: (x) => x.responsibility_source ?? null }),
    evidence: t.field({ type: [EvidenceRef], resolve: (x) => x.evidence ?? [] }),
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
    issuedOn: t.string({ nullable: true, resolve: (p) => p.parsed.issued_on ?? null }),
    titleRequired: t.boolean({
      description: 'No title was found: the office must enter one before importing.',
      resolve: (p) => !p.parsed.title?.trim(),
    }),
    warnings: t.stringList({
      description: 'Chinese messages',
      resolve: (p) => p.parsed.warnings.map((w) => w.message),
    }),
    warningDetails: t.field({ type: [WarningRef], resolve: (p) => p.parsed.warnings }),
    columns: t.field({
      type: [ColumnRef],
      description: 'Table columns as read (tables, .xlsx/.csv 台账, appendix 分工表); empty for plain text.',
      resolve: (p) =>
        p.parsed.columns?.header.map((header, index) => ({
          index,
          header,
          field: p.parsed.columns!.fields[index] ?? null,
        })) ?? [],
    }),
    columnsRole: t.string({ nullable: true, resolve: (p) => p.parsed.columns?.role ?? null }),
    documents: t.field({ type: [DocumentRef], resolve: (p) => p.parsed.documents ?? [] }),
    documentIndex: t.int({ nullable: true, resolve: (p) => p.parsed.document ?? null }),
    duplicateOf: t.field({
      type: DuplicateRef,
      nullable: true,
      description: 'A plan already imported from the same document (import then needs newVersion: true).',
      resolve: (p) => p.duplicateOf,
    }),
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

const COLUMN_FIELDS = new Set<string>(Object.keys(COLUMN_FIELD_ZH));

function parseColumns(json: string): (ColumnField | null)[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new ImportError('列的含义不是有效的 JSON。', 'The column mapping is not valid JSON.', 'BAD_CORRECTION');
  }
  if (!Array.isArray(value) || !value.every((v) => v === null || v === '' || COLUMN_FIELDS.has(String(v))))
    throw new ImportError(
      `列的含义只能是：${Object.keys(COLUMN_FIELD_ZH).join('、')}。`,
      `Column fields must be one of ${Object.keys(COLUMN_FIELD_ZH).join(', ')}.`,
      'BAD_CORRECTION',
    );
  return value.map((v) => (v ? (v as ColumnField) : null));
}

builder.mutationField('importPlan', (t) =>
  t.field({
    type: ImportResult,
    errors: ERRORS,
    authScopes: { office: true },
    description:
      'Import a plan from text or an uploaded .txt/.md/.docx/.xlsx/.csv. dryRun returns the preview only; `corrected` imports an edited preview. The same document imported twice is refused (IMPORT_FAILED, preview.duplicateOf) unless newVersion is true.',
    args: {
      text: t.arg.string({ required: false, validate: z.string().max(MAX_PLAN_BYTES, 'at most 10 MB') }),
      file: t.arg({ type: 'File', required: false }),
      fileName: t.arg.string({ required: false, validate: z.string().max(255, 'MAX:255') }),
      dryRun: t.arg.boolean({ required: false, defaultValue: false }),
      corrected: t.arg.string({ required: false, description: 'ImportPreview.json, corrected by the office' }),
      title: t.arg.string({
        required: false,
        description: 'The plan title, when the document has none (or the office corrects it)',
        validate: z.string().max(200, 'MAX:200'),
      }),
      newVersion: t.arg.boolean({
        required: false,
        defaultValue: false,
        description: 'The office confirms this is a new version of a document already imported',
      }),
      documentIndex: t.arg.int({
        required: false,
        description: 'Which document of a compilation to read',
        validate: z.number().int().min(0, 'RANGE:0-99').max(99, 'RANGE:0-99'),
      }),
      columns: t.arg.string({
        required: false,
        description:
          'JSON array, one column meaning per header cell (seq, task, detail, lead, cooperating, deadline, target, section, ignore or null)',
      }),
    },
    resolve: async (_r, args, ctx) => {
      const actor = actorOf(ctx);
      let source: PlanSource;
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
          : parsePlanSource(source, args.fileName ?? undefined, {
              today: shanghaiDate(new Date()),
              ...(args.documentIndex != null ? { documentIndex: args.documentIndex } : {}),
              ...(args.columns ? { columns: parseColumns(args.columns) } : {}),
            });
        if (args.title?.trim()) parsed.title = args.title.trim();
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
      const duplicateOf = isDocumentText(source.text) ? await findDuplicatePlan(ctx.prisma, source.text) : null;
      const preview: Preview = { parsed, aliasSuggestions, duplicateOf };
      if (args.dryRun) return { preview, planId: null };
      const refuse = (e: ImportError) => new DubanError('IMPORT_FAILED', {}, { zh: e.zh, en: e.en });
      if (!parsed.title?.trim()) throw refuse(titleRequiredError());
      if (duplicateOf && !args.newVersion) throw refuse(duplicateError(duplicateOf));
      if (!ctx.temporal) throw new DubanError('TEMPORAL_UNAVAILABLE');
      let saved;
      try {
        saved = await savePlan(ctx.prisma, parsed, source, {
          createdById: actor.userId,
          newVersion: args.newVersion ?? false,
        });
      } catch (err) {
        if (err instanceof ImportError) throw refuse(err);
        throw err;
      }
      await startPlanWorkflows(ctx.temporal, ctx.prisma, ctx.config.temporal.taskQueue, saved, parsed.title, actor);
      return { preview, planId: saved.planId };
    },
  }),
);

function parseCorrected(json: string): ParsedPlan {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new ImportError(
      '修正后的预览不是有效的 JSON。',
      'The corrected preview is not valid JSON.',
      'BAD_CORRECTION',
    );
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
      title: t.arg.string({ validate: z.string().trim().min(1, 'REQUIRED').max(200, 'MAX:200') }),
      text: t.arg.string({ required: false, validate: z.string().max(10000, 'MAX:10000') }),
      sectionId: t.arg.id({ required: false }),
      dueDate: t.arg.string({ required: false, validate: isoDate }),
    },
    resolve: async (query, _r, a, ctx) => {
      const actor = actorOf(ctx);
      if (!ctx.temporal) throw new DubanError('TEMPORAL_UNAVAILABLE');
      const plan = await ctx.prisma.plan.findUnique({ where: { id: String(a.planId) } });
      if (!plan) throw notFound('方案', 'Plan');
      if (a.sectionId) {
        const section = await ctx.prisma.section.findFirst({ where: { id: String(a.sectionId), planId: plan.id } });
        if (!section) throw notFound('章节', 'Section');
      }
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
        validate: z.string().trim().min(1, 'REQUIRED').max(200, 'MAX:200'),
      }),
      text: t.arg.string({ required: false, validate: z.string().max(10000, 'MAX:10000') }),
    },
    resolve: async (query, _r, a, ctx) => {
      actorOf(ctx);
      const task = await ctx.prisma.task.findUnique({ where: { id: taskIdOf(a.taskId) } });
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
