/**
 * Writing an imported plan into the database and starting its workflows.
 * The parser (domain/parser) turns text into a ParsedPlan; this module is the
 * I/O half: departments (matched by name or alias, never invented beyond what
 * the text names), plan, section tree, DRAFT tasks, indicators and targets,
 * all in one transaction, then one reformTask workflow per task and one
 * planSupervision workflow for the plan.
 */
import crypto from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../prisma/client.ts';
import { createSettingsReads } from '../activities/settings.ts';
import {
  calendarChangedSignal,
  planWorkflowId,
  settingsChangedSignal,
  taskWorkflowId,
} from '../workflows/definitions.ts';
import type { Actor, ReformTaskInput, StartReads } from '../workflows/types.ts';
import type { PlanSupervisionInput } from '../workflows/planSupervision.ts';
import type { ParsedPlan } from '../domain/parser/index.ts';
import { ImportError, sourceHashOf } from './import.ts';

export interface SavedPlan {
  planId: string;
  tasks: {
    id: string;
    title: string;
    leadDepartmentId: string | null;
    cooperatingDepartmentIds: string[];
    dueDate: string | null;
    /** The due date was already past on the import day (parsed deadline marked `past`). */
    duePast?: boolean;
    /** `past: true`: the date was already past on the import day; the workflow must not chase it. */
    milestones: { title: string; dueDate: string; past?: boolean }[];
    indicators: { id: string; text: string }[];
    /** 报送频次 stated in the text ('MONTHLY:5'), null for none. */
    reportCadence?: string | null;
  }[];
  departmentsCreated: string[];
  /** The plan this one replaces (a confirmed new version of the same document). */
  supersedesId: string | null;
}

export interface SavePlanOptions {
  createdById?: string;
  settings?: object;
  /**
   * The office confirmed that this is a new version of a document already
   * imported (same text): the import goes ahead and the new plan supersedes it.
   */
  newVersion?: boolean;
}

/** Text long enough to be a document (not a placeholder such as "…"). */
export function isDocumentText(text: string): boolean {
  return text.replace(/\s+/g, '').length >= 50;
}

/** The plan already imported from the same document (same normalised text), if any. */
export async function findDuplicatePlan(
  prisma: Pick<PrismaClient, 'plan'>,
  text: string,
): Promise<{ id: string; title: string; createdAt: Date } | null> {
  return prisma.plan.findFirst({
    where: { sourceHash: sourceHashOf(text) },
    orderBy: { createdAt: 'desc' },
    select: { id: true, title: true, createdAt: true },
  });
}

export function duplicateError(existing: { id: string; title: string }): ImportError {
  return new ImportError(
    `该文件已导入过（方案「${existing.title}」，ID ${existing.id}）。如确为新版本，请确认“作为新版本导入”后再导入。`,
    `This document was already imported (plan "${existing.title}", id ${existing.id}); confirm it is a new version to import it again.`,
    'DUPLICATE_PLAN',
    { planId: existing.id, title: existing.title },
  );
}

export function titleRequiredError(): ImportError {
  return new ImportError(
    '未能从文件中找到方案标题，请填写方案标题后再导入。',
    'The plan title was not found; enter it before importing.',
    'TITLE_REQUIRED',
  );
}

const COMPARATOR_CODES: Record<string, string> = {
  '>=': 'GTE',
  '<=': 'LTE',
  '=': 'EQ',
  '~': 'APPROX',
  '>': 'GT',
  '<': 'LT',
};

/** Strip a heading's numbering: "(二)创新…" → "(二)", "创新…". */
function splitHeading(heading: string): { numbering: string; title: string } {
  const m =
    /^\s*([一二三四五六七八九十百]+、|[(（][一二三四五六七八九十百]+[)）]|\d+[.．、]|[(（]\d+[)）])?\s*(.*)$/.exec(
      heading,
    );
  return { numbering: m?.[1] ?? '', title: (m?.[2] ?? heading).trim() || heading };
}

const newId = (): string => crypto.randomUUID();

export async function savePlan(
  prisma: PrismaClient,
  parsed: ParsedPlan,
  source: { text: string; format: string },
  opts: SavePlanOptions = {},
): Promise<SavedPlan> {
  const title = parsed.title?.trim();
  if (!title) throw titleRequiredError();
  // A placeholder source ("…", plans built by hand) is no document: nothing to compare.
  const sourceHash = isDocumentText(source.text) ? sourceHashOf(source.text) : null;
  // Ids are made here so every table is written with one batched insert (1,000 tasks in about a second).
  return prisma.$transaction(
    async (tx) => {
      // The same document twice is refused unless the office says it is a new version.
      const duplicate = sourceHash ? await findDuplicatePlan(tx, source.text) : null;
      if (duplicate && !opts.newVersion) throw duplicateError(duplicate);
      const supersedesId = duplicate?.id ?? null;

      // Departments: reuse by name or alias; create the ones the text names.
      const existing = await tx.department.findMany();
      const byName = new Map<string, string>();
      for (const d of existing) {
        byName.set(d.name, d.id);
        for (const a of JSON.parse(d.aliases) as string[]) byName.set(a, d.id);
      }
      const created: { id: string; name: string; sortOrder: number }[] = [];
      for (const name of [...parsed.departments, ...parsed.tasks.flatMap((t) => [...t.lead, ...t.cooperating])]) {
        if (byName.has(name)) continue;
        const d = { id: newId(), name, sortOrder: existing.length + created.length };
        byName.set(name, d.id);
        created.push(d);
      }
      await tx.department.createMany({ data: created });

      const planId = newId();
      await tx.plan.create({
        data: {
          id: planId,
          title,
          issuer: parsed.issuer,
          docNumber: parsed.doc_number,
          issuedOn: parsed.issued_on ?? null,
          sourceHash,
          supersedesId,
          sourceText: source.text,
          sourceFormat: source.format,
          settings: JSON.stringify(opts.settings ?? {}),
          createdById: opts.createdById ?? null,
        },
      });
      await tx.planTarget.createMany({
        data: parsed.plan_targets.map((t) => ({
          planId,
          text: t.text,
          date: t.date ?? null,
          metric: t.metric,
          comparator: t.comparator ? (COMPARATOR_CODES[t.comparator] ?? t.comparator) : null,
          value: t.value,
          unit: t.unit,
        })),
      });

      // Sections: every path prefix above a task becomes a node of the tree (parents first).
      const sectionIds = new Map<string, string>();
      const sections: {
        id: string;
        planId: string;
        parentId: string | null;
        path: string;
        numbering: string;
        title: string;
        depth: number;
        sortOrder: number;
      }[] = [];
      for (const task of parsed.tasks) {
        for (let depth = 0; depth < task.path.length - 1; depth++) {
          const key = task.path.slice(0, depth + 1).join(' › ');
          if (sectionIds.has(key)) continue;
          const { numbering, title } = splitHeading(task.path[depth]!);
          const id = newId();
          sectionIds.set(key, id);
          const parentId = depth ? sectionIds.get(task.path.slice(0, depth).join(' › '))! : null;
          sections.push({ id, planId, parentId, path: key, numbering, title, depth, sortOrder: sections.length });
        }
      }
      await tx.section.createMany({ data: sections });

      const tasks: SavedPlan['tasks'] = [];
      const taskRows = [];
      const cooperatorRows = [];
      const milestoneRows = [];
      const indicatorRows = [];
      const usedPaths = new Set<string>();
      for (const [i, t] of parsed.tasks.entries()) {
        // Two tasks under identical headings (it happens in real plans) still need distinct paths.
        let taskPath = t.path.join(' › ') || String(i + 1);
        for (let n = 2; usedPaths.has(taskPath); n++) taskPath = `${t.path.join(' › ')} #${n}`;
        usedPaths.add(taskPath);
        const id = newId();
        const leadId = t.lead[0] ? byName.get(t.lead[0])! : null;
        const coop = [...new Set([...t.lead.slice(1), ...t.cooperating].map((n) => byName.get(n)!))].filter(
          (d) => d !== leadId,
        );
        const dated = t.deadlines
          .filter((d) => d.date)
          .map((d) => d.date!)
          .sort();
        const dueDate = dated.at(-1) ?? null;
        const pastDates = new Set(t.deadlines.filter((d) => d.date && d.past).map((d) => d.date!));
        const milestones = dated.slice(0, -1).map((date) => ({
          title: t.deadlines.find((d) => d.date === date)!.text,
          dueDate: date,
          ...(pastDates.has(date) ? { past: true } : {}),
        }));
        taskRows.push({
          id,
          planId,
          sectionId: t.path.length > 1 ? (sectionIds.get(t.path.slice(0, -1).join(' › ')) ?? null) : null,
          path: taskPath,
          sortOrder: i,
          title: t.title,
          text: t.body ?? t.title,
          leadDepartmentId: leadId,
          dueDate,
          deadlineText: t.deadlines.map((d) => d.text).join('；') || null,
          recurrence: t.recurrence,
          reportCadence: t.report_cadence ?? null,
          needsAssignment: leadId === null,
          workflowId: taskWorkflowId(id),
        });
        cooperatorRows.push(...coop.map((departmentId, k) => ({ taskId: id, departmentId, sortOrder: k })));
        milestoneRows.push(...milestones.map((m) => ({ id: newId(), taskId: id, text: m.title, dueDate: m.dueDate })));
        const indicators = t.targets.map((target) => ({
          id: newId(),
          taskId: id,
          text: target.text,
          metric: target.metric || target.text,
          comparator: (target.comparator && COMPARATOR_CODES[target.comparator]) || target.comparator || 'GTE',
          targetValue: target.value,
          unit: target.unit,
        }));
        indicatorRows.push(...indicators);
        tasks.push({
          id,
          title: t.title,
          leadDepartmentId: leadId,
          cooperatingDepartmentIds: coop,
          dueDate,
          ...(dueDate && pastDates.has(dueDate) ? { duePast: true } : {}),
          milestones,
          indicators: indicators.map((x) => ({ id: x.id, text: x.text })),
          ...(t.report_cadence ? { reportCadence: t.report_cadence } : {}),
        });
      }
      await tx.task.createMany({ data: taskRows });
      await tx.taskCooperator.createMany({ data: cooperatorRows });
      await tx.milestone.createMany({ data: milestoneRows });
      await tx.indicator.createMany({ data: indicatorRows });
      await tx.auditLog.create({
        data: {
          actorId: opts.createdById ?? null,
          action: 'IMPORT_PLAN',
          entityType: 'Plan',
          entityId: planId,
          data: JSON.stringify({
            tasks: tasks.length,
            departmentsCreated: created.map((d) => d.name),
            ...(supersedesId ? { supersedesId } : {}),
          }),
        },
      });
      return { planId, tasks, departmentsCreated: created.map((d) => d.name), supersedesId };
    },
    { timeout: 60_000 },
  );
}

/** Start one reformTask per task (DRAFT) and the plan's supervision; idempotent by workflow id. */
export async function startPlanWorkflows(
  client: Client,
  prisma: PrismaClient,
  taskQueue: string,
  saved: SavedPlan,
  planTitle: string,
  createdBy?: Actor,
  /** The first quarter the plan's supervision runs (default: the current one); a past quarter runs at once. */
  firstQuarter?: PlanSupervisionInput['quarter'],
): Promise<void> {
  await startTaskWorkflows(client, prisma, taskQueue, saved, createdBy);
  await startPlanSupervision(client, taskQueue, saved.planId, planTitle, firstQuarter);
}

const alreadyStarted = (err: unknown) => err instanceof Error && err.name === 'WorkflowExecutionAlreadyStartedError';

/** A saved task's workflow input: what the task's reformTask workflow starts from. */
export function taskWorkflowInput(
  saved: SavedPlan,
  t: SavedPlan['tasks'][number],
  createdBy?: Actor,
  startWith?: StartReads,
): ReformTaskInput {
  return {
    taskId: t.id,
    planId: saved.planId,
    title: t.title,
    leadDepartmentId: t.leadDepartmentId,
    cooperatingDepartmentIds: t.cooperatingDepartmentIds,
    dueDate: t.dueDate,
    milestones: t.milestones,
    indicators: t.indicators,
    ...(t.reportCadence ? { reportCadence: t.reportCadence } : {}),
    createdBy,
    ...(startWith ? { startWith } : {}),
  };
}

/** What a new task's workflow starts from (ReformTaskInput.startWith): the calendar and its plan's settings. */
export async function startReads(prisma: PrismaClient, planId: string): Promise<StartReads> {
  const reads = createSettingsReads(prisma);
  return { calendar: await reads.loadCalendar(), settings: await reads.loadPlanSettings(planId) };
}

/**
 * After starting workflows with `reads`: a calendar or settings change that
 * was committed after the read found none of them to signal (they did not
 * exist yet), so read again and send the reload signal the change would have
 * sent. A change after the workflows existed signalled them itself.
 */
export async function signalIfMoved(
  client: Client,
  prisma: PrismaClient,
  planId: string,
  reads: StartReads,
  workflowIds: string[],
): Promise<void> {
  if (!workflowIds.length) return;
  const now = await startReads(prisma, planId);
  const signals = [
    ...(JSON.stringify(now.calendar) !== JSON.stringify(reads.calendar) ? [calendarChangedSignal] : []),
    ...(JSON.stringify(now.settings) !== JSON.stringify(reads.settings) ? [settingsChangedSignal] : []),
  ];
  for (const signal of signals)
    for (const id of workflowIds)
      await client.workflow
        .getHandle(id)
        .signal(signal)
        .catch(() => undefined);
}

/** One reformTask workflow per task of the plan (a task whose workflow exists is left alone). */
export async function startTaskWorkflows(
  client: Client,
  prisma: PrismaClient,
  taskQueue: string,
  saved: SavedPlan,
  createdBy?: Actor,
): Promise<void> {
  const reads = await startReads(prisma, saved.planId);
  const started: string[] = [];
  for (const t of saved.tasks) {
    const workflowId = taskWorkflowId(t.id);
    await client.workflow
      .start('reformTask', { taskQueue, workflowId, args: [taskWorkflowInput(saved, t, createdBy, reads)] })
      .then(() => started.push(workflowId))
      .catch((err) => {
        if (!alreadyStarted(err)) throw err;
      });
  }
  await signalIfMoved(client, prisma, saved.planId, reads, started);
}

/** The plan's planSupervision workflow (left alone when it runs already). */
export async function startPlanSupervision(
  client: Client,
  taskQueue: string,
  planId: string,
  planTitle: string,
  firstQuarter?: PlanSupervisionInput['quarter'],
): Promise<void> {
  const sup: PlanSupervisionInput = { planId, title: planTitle, ...(firstQuarter ? { quarter: firstQuarter } : {}) };
  await client.workflow
    .start('planSupervision', { taskQueue, workflowId: planWorkflowId(planId), args: [sup] })
    .catch((err) => {
      if (!alreadyStarted(err)) throw err;
    });
}

/**
 * Start the workflows of tasks and plans that have none: a plan written with
 * `duban import --no-workflows`, or whose start was interrupted. A task whose
 * workflow ran has at least its CREATED event; for the others, ask Temporal
 * before starting, so a finished workflow is never started again.
 */
export async function resumeMissingWorkflows(
  client: Client,
  prisma: PrismaClient,
  taskQueue: string,
): Promise<{ tasks: number; plans: number }> {
  const exists = async (workflowId: string) => {
    try {
      await client.workflow.getHandle(workflowId).describe();
      return true;
    } catch (err) {
      if (err instanceof Error && err.name === 'WorkflowNotFoundError') return false;
      throw err;
    }
  };
  const orphans = await prisma.task.findMany({
    where: { events: { none: {} } },
    include: { cooperators: { orderBy: { sortOrder: 'asc' } }, milestones: true, indicators: true, plan: true },
  });
  let tasks = 0;
  for (const t of orphans) {
    const workflowId = t.workflowId ?? taskWorkflowId(t.id);
    if (await exists(workflowId)) continue;
    const input: ReformTaskInput = {
      taskId: t.id,
      planId: t.planId,
      title: t.title,
      leadDepartmentId: t.leadDepartmentId,
      cooperatingDepartmentIds: t.cooperators.map((c) => c.departmentId),
      dueDate: t.dueDate,
      milestones: t.milestones.filter((m) => m.dueDate).map((m) => ({ title: m.text, dueDate: m.dueDate! })),
      indicators: t.indicators.map((i) => ({ id: i.id, text: i.text })),
    };
    await client.workflow.start('reformTask', { taskQueue, workflowId, args: [input] });
    if (!t.workflowId) await prisma.task.update({ where: { id: t.id }, data: { workflowId } });
    tasks++;
  }
  let plans = 0;
  for (const p of await prisma.plan.findMany({ where: { status: 'ACTIVE' } })) {
    if (await exists(planWorkflowId(p.id))) continue;
    const sup: PlanSupervisionInput = { planId: p.id, title: p.title };
    await client.workflow.start('planSupervision', { taskQueue, workflowId: planWorkflowId(p.id), args: [sup] });
    plans++;
  }
  return { tasks, plans };
}
