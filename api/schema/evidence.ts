/**
 * 佐证材料 in the graph: the Evidence type, Task.evidence,
 * ProgressReport.evidence and ClosureReview.evidence, and the check the
 * report and closure mutations make of the ids they are given
 * (`requireAttachableEvidence`). Uploads and downloads are HTTP (api/evidence.ts).
 *
 * Every field reaches evidence through its task and asks the one access
 * rule: a department never sees another department's task, hence none of
 * its files; an upload not yet attached is visible to its department only.
 */
import { closureEvidenceRefusal, evidenceCountRefusal, evidenceRules } from '../../domain/evidence.ts';
import type { EvidenceRules } from '../../domain/evidence.ts';
import { builder } from '../builder.ts';
import { canSeeTaskRow, requireTaskAction, TASK_ACCESS_SELECT, visibleTaskRow } from '../access.ts';
import type { Context } from '../context.ts';
import { evidenceUrl, mayHandleDraft } from '../evidence.ts';
import { DubanError } from '../errors.ts';
import { PersonRef } from './objects.ts';

export const Evidence = builder.prismaObject('Evidence', {
  description: '佐证材料: a file attached to a progress report or a closure request.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    size: t.exposeInt('size'),
    mime: t.exposeString('mime', { description: 'Sniffed from the content when uploaded.' }),
    sha256: t.exposeString('sha256'),
    uploaderId: t.exposeString('uploaderId'),
    uploader: t.field({ type: PersonRef, nullable: true, resolve: (e, _a, ctx) => ctx.loaders.person(e.uploaderId) }),
    uploaderName: t.string({
      nullable: true,
      resolve: async (e, _a, ctx) => (await ctx.loaders.person(e.uploaderId))?.displayName ?? null,
    }),
    reportId: t.exposeID('reportId', { nullable: true }),
    closureId: t.exposeID('closureId', { nullable: true }),
    attached: t.boolean({ resolve: (e) => !!(e.reportId || e.closureId) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    url: t.string({ description: 'Download (always as an attachment).', resolve: (e) => evidenceUrl(e.id) }),
  }),
});

/** Attached files, and the viewer's department's own drafts. */
function visibleEvidence(ctx: Context) {
  const user = ctx.user;
  const drafts = user
    ? [{ uploaderId: user.id }, ...(user.departmentId ? [{ uploaderDepartmentId: user.departmentId }] : [])]
    : [];
  return { OR: [{ reportId: { not: null } }, { closureId: { not: null } }, ...drafts] };
}

builder.prismaObjectField('Task', 'evidence', (t) =>
  t.prismaField({
    type: ['Evidence'],
    description: '佐证材料 of this task: every attached file, and your department’s uploads not yet submitted.',
    resolve: (query, task, _a, ctx) =>
      // Task itself is scoped by the access rule (its authScopes); asked again here for the drafts' sake.
      ctx.prisma.evidence.findMany({
        ...query,
        where: { AND: [{ taskId: task.id }, visibleEvidence(ctx)] },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      }),
  }),
);

/** The files listed under a report or a request, when its task is the reader's to see. */
async function attachedTo(ctx: Context, taskId: string, where: { reportId: string } | { closureId: string }) {
  const task = await ctx.prisma.task.findUnique({ where: { id: taskId }, select: TASK_ACCESS_SELECT });
  if (!task || !canSeeTaskRow(ctx.user, task)) return [];
  return ctx.prisma.evidence.findMany({ where: { ...where, taskId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}

builder.prismaObjectField('ProgressReport', 'evidence', (t) =>
  t.prismaField({
    type: ['Evidence'],
    select: { taskId: true },
    resolve: (_q, r, _a, ctx) => attachedTo(ctx, r.taskId, { reportId: r.id }),
  }),
);

builder.prismaObjectField('ClosureReview', 'evidence', (t) =>
  t.prismaField({
    type: ['Evidence'],
    select: { taskId: true },
    resolve: (_q, c, _a, ctx) => attachedTo(ctx, c.taskId, { closureId: c.id }),
  }),
);

export const ClosureChecklistInput = builder.inputType('ClosureChecklistInput', {
  description: 'The office’s checklist at closure review: all three must be ticked to approve.',
  fields: (t) => ({
    factsClear: t.boolean({ description: '事实清楚' }),
    problemSolved: t.boolean({ description: '问题解决' }),
    materialsComplete: t.boolean({ description: '资料齐全' }),
  }),
});

/**
 * The evidence ids a report or a closure request names must each exist,
 * belong to this task, have been uploaded by the caller's department (or the
 * caller), and not be attached yet; and there may be at most the plan's
 * number. Checked after the access rule; a refusal sends no Update. Returns
 * the ids, deduplicated, in the order given.
 */
export async function requireAttachableEvidence(
  ctx: Context,
  rawTaskId: string,
  ids: readonly (string | number)[] | null | undefined,
  kind: 'REPORT' | 'REQUEST_CLOSURE',
): Promise<string[]> {
  const task = await visibleTaskRow(ctx, rawTaskId);
  requireTaskAction(ctx, task, kind);
  const wanted = [...new Set((ids ?? []).map(String))];
  const plan = await ctx.prisma.plan.findUnique({ where: { id: task.planId }, select: { settings: true } });
  const rules = rulesOf(plan?.settings);
  const many = evidenceCountRefusal(wanted.length, rules);
  if (many) throw refused(many.zh, many.en);
  if (kind === 'REQUEST_CLOSURE') {
    const required = closureEvidenceRefusal(wanted.length, rules);
    if (required) throw refused(required.zh, required.en);
  }
  if (!wanted.length) return [];
  const rows = await ctx.prisma.evidence.findMany({ where: { id: { in: wanted } } });
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const id of wanted) {
    const row = byId.get(id);
    // Another task's file, or another department's, is not named: "not found" either way.
    if (!row || row.taskId !== task.id || !mayHandleDraft(ctx.user!, row)) {
      throw refused(
        `佐证材料 ${id} 不存在或不属于本任务、本单位。`,
        `Evidence ${id} does not exist, or is not this task's or your department's.`,
      );
    }
    if (row.reportId || row.closureId) {
      throw refused(
        `佐证材料“${row.name}”已随其他报告或申请提交，请重新上传。`,
        `"${row.name}" was already submitted with another report or request; upload it again.`,
      );
    }
  }
  return wanted;
}

function rulesOf(settings: string | undefined): EvidenceRules {
  try {
    return evidenceRules((JSON.parse(settings ?? '{}') as { evidence?: Partial<EvidenceRules> }).evidence);
  } catch {
    return evidenceRules();
  }
}

/** INVALID_INPUT with the whole sentence (the evidence rules' refusals are complete). */
const refused = (zh: string, en: string) => new DubanError('INVALID_INPUT', {}, { zh, en, whole: true });
