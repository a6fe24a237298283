/**
 * The API's only way to change a task: a Temporal Update on its workflow.
 * Reads come from the read model; the workflow validates the command (role,
 * state, input), and a rejection changes nothing. Rejections come back as
 * typed DubanErrors in the user's language.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { UpdateDefinition } from '@temporalio/common';
import type { TaskSnapshot, Actor } from '../workflows/types.ts';
import type { Context } from './context.ts';
import { DubanError, forbidden, notFound, unauthenticated } from './errors.ts';
import { STATUS_ZH, type ErrorCode } from './messages.ts';

const KNOWN: ErrorCode[] = [
  'FORBIDDEN',
  'INVALID_STATE',
  'INVALID_INPUT',
  'NOT_LEAD_DEPARTMENT',
  'NOT_INVOLVED',
  'EXTENSION_PENDING',
  'NO_PENDING_EXTENSION',
  'NO_PENDING_CLOSURE',
];

export function actorOf(ctx: Context): Actor {
  if (!ctx.user) throw unauthenticated();
  return { userId: ctx.user.id, role: ctx.user.role, departmentId: ctx.user.departmentId };
}

/** Load a task the signed-in user may see, or fail with NOT_FOUND / FORBIDDEN. */
export async function visibleTask(ctx: Context, taskId: string) {
  if (!ctx.user) throw unauthenticated();
  const task = await ctx.prisma.task.findUnique({ where: { id: taskId }, include: { cooperators: true } });
  if (!task) throw notFound('任务', 'Task');
  if (ctx.user.role === 'DEPARTMENT') {
    const d = ctx.user.departmentId;
    if (!d || (task.leadDepartmentId !== d && !task.cooperators.some((c) => c.departmentId === d))) throw forbidden();
  }
  return task;
}

/** Translate a workflow's typed rejection into the API's error. */
export function toDubanError(err: unknown): unknown {
  const cause = err instanceof WorkflowUpdateFailedError ? err.cause : err;
  if (cause instanceof ApplicationFailure && KNOWN.includes(cause.type as ErrorCode)) {
    const code = cause.type as ErrorCode;
    return new DubanError(code, {}, { zh: translateDetail(cause.message), en: cause.message });
  }
  if (err instanceof Error && /UNAVAILABLE|ECONNREFUSED|No connection|deadline/i.test(err.message)) {
    return new DubanError('TEMPORAL_UNAVAILABLE');
  }
  return err;
}

/** Chinese for the workflow's validator messages (the workflow speaks English; users read Chinese first). */
const DETAIL_ZH: [RegExp, (m: RegExpMatchArray) => string][] = [
  [/^Task is (\w+); it can no longer change\.$/, (m) => `任务已${statusZh(m[1]!)}，不能再更改。`],
  [/^Not allowed while the task is (\w+)\.$/, (m) => `任务处于“${statusZh(m[1]!)}”状态，不能执行此操作。`],
  [/^(.+) is required\.$/, (m) => `${fieldZh(m[1]!)}不能为空。`],
  [/^Progress must be between 0 and 100\.$/, () => '进度必须在 0 到 100 之间。'],
  [
    /^Requested due date must be after the current one \((.+)\)\.$/,
    (m) => `申请的完成时限必须晚于当前时限（${m[1]}）。`,
  ],
  [/^Requested due date must be YYYY-MM-DD\.$/, () => '申请的完成时限格式应为 YYYY-MM-DD。'],
  [/^Due date must be YYYY-MM-DD: (.*)$/, (m) => `完成时限格式应为 YYYY-MM-DD：${m[1]}`],
  [/^Unknown indicator (.+)\.$/, (m) => `未知的指标：${m[1]}`],
  [/^Escalation level must be 1, 2 or 3\.$/, () => '督办等级只能是 1、2 或 3。'],
];
const FIELD_ZH: Record<string, string> = {
  'Lead department': '牵头单位',
  Narrative: '进展情况',
  Reason: '理由',
  'Reason for rejecting': '不予批准的理由',
  'Reason for returning': '退回理由',
  'Summary of the work done': '办结情况说明',
  Instruction: '批示内容',
};
const statusZh = (s: string) => STATUS_ZH[s] ?? s;
const fieldZh = (s: string) => FIELD_ZH[s] ?? s;
function translateDetail(message: string): string {
  for (const [re, fn] of DETAIL_ZH) {
    const m = message.match(re);
    if (m) return fn(m);
  }
  return message;
}

export async function runTaskUpdate<Arg extends { actor: Actor }>(
  ctx: Context,
  taskId: string,
  update: UpdateDefinition<TaskSnapshot, [Arg]>,
  arg: Omit<Arg, 'actor'>,
): Promise<TaskSnapshot> {
  const actor = actorOf(ctx);
  const task = await visibleTask(ctx, taskId);
  if (!ctx.temporal || !task.workflowId) throw new DubanError('TEMPORAL_UNAVAILABLE');
  try {
    const result: TaskSnapshot = await ctx.temporal.workflow
      .getHandle(task.workflowId)
      .executeUpdate(update, { args: [{ ...arg, actor } as Arg] });
    ctx.events.publish('taskChanged', { taskId, planId: task.planId });
    return result;
  } catch (err) {
    throw toDubanError(err);
  }
}
