/**
 * The API's only way to change a task: a Temporal Update on its workflow.
 * The one access rule (domain/access, through api/access) is checked here
 * first so a refusal costs no round trip, and again by the workflow's
 * validator, the authority: a rejection there changes nothing either.
 * Rejections come back as typed DubanErrors, Chinese first.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { UpdateDefinition } from '@temporalio/common';
import type { TaskAction } from '../domain/access.ts';
import type { TaskSnapshot, Actor } from '../workflows/types.ts';
import { requireTaskAction, visibleTaskRow } from './access.ts';
import type { Context } from './context.ts';
import { actorForTask } from './delegation.ts';
import { DubanError, unauthenticated } from './errors.ts';
import type { ErrorCode } from './messages.ts';

const KNOWN: ErrorCode[] = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'INVALID_STATE',
  'INVALID_INPUT',
  'NOT_LEAD_DEPARTMENT',
  'NOT_INVOLVED',
  'EXTENSION_PENDING',
  'NO_PENDING_EXTENSION',
  'NO_PENDING_CLOSURE',
  'NO_PENDING_REQUEST',
];

/** How long a command may wait for its workflow before the user is told the service is unavailable. */
const COMMAND_DEADLINE_MS = 20_000;

export function actorOf(ctx: Context): Actor {
  if (!ctx.user) throw unauthenticated();
  return { userId: ctx.user.id, role: ctx.user.role, departmentId: ctx.user.departmentId };
}

/** Translate a workflow's typed rejection (or a Temporal failure) into the API's error. */
export function toDubanError(err: unknown): unknown {
  if (err instanceof DubanError) return err;
  const cause = err instanceof WorkflowUpdateFailedError ? err.cause : err;
  if (cause instanceof ApplicationFailure && KNOWN.includes(cause.type as ErrorCode)) {
    const code = cause.type as ErrorCode;
    const zh = (cause.details?.[0] as { zh?: string } | undefined)?.zh;
    // The workflow's refusal is the access rule's own sentence (or, without one, the code's message).
    if (!zh) return new DubanError(code);
    return new DubanError(code, {}, { zh, en: cause.message, whole: code !== 'INVALID_INPUT' });
  }
  if (err instanceof WorkflowNotFoundError || isCompletedWorkflowError(err)) {
    // The workflow has ended: the task was closed or cancelled in the meantime.
    return new DubanError(
      'INVALID_STATE',
      {},
      { zh: '任务已办结或已撤销，不能再更改。', en: 'The task is closed or cancelled; it can no longer change.' },
    );
  }
  const text =
    err instanceof Error ? `${err.name} ${err.message} ${String((err as { cause?: unknown }).cause ?? '')}` : '';
  if (/DEADLINE_EXCEEDED|deadline|CANCELLED|reset|socket/i.test(text)) {
    // The command may have reached the workflow before the answer was lost: never claim it did not.
    return new DubanError(
      'TEMPORAL_UNAVAILABLE',
      {},
      {
        zh: '工作流服务未及时响应：操作可能已经生效，也可能没有。请刷新页面查看后再决定是否重试。',
        en: 'The workflow service did not answer in time: the change may or may not have been made. Reload to check before retrying.',
        whole: true,
      },
    );
  }
  if (/UNAVAILABLE|ECONNREFUSED|No connection|ServiceError|Connection/i.test(text)) {
    return new DubanError('TEMPORAL_UNAVAILABLE');
  }
  return err;
}

export async function runTaskUpdate<Arg extends { actor: Actor }>(
  ctx: Context,
  rawTaskId: string,
  action: TaskAction,
  update: UpdateDefinition<TaskSnapshot, [Arg]>,
  arg: Omit<Arg, 'actor'>,
): Promise<TaskSnapshot> {
  actorOf(ctx);
  const task = await visibleTaskRow(ctx, rawTaskId);
  requireTaskAction(ctx, task, action);
  // 代理: on a task of a department the user acts for, the workflow hears the delegator's department.
  const actor = actorForTask(ctx, task, action);
  // While the supervised engine is down, say so at once instead of waiting for a timeout.
  if (!ctx.temporal || !task.workflowId || ctx.parts?.().engine === 'down' || ctx.parts?.().engine === 'starting') {
    throw new DubanError('TEMPORAL_UNAVAILABLE');
  }
  const temporal = ctx.temporal;
  const handle = temporal.workflow.getHandle(task.workflowId);
  try {
    const result: TaskSnapshot = await temporal.connection.withDeadline(Date.now() + COMMAND_DEADLINE_MS, () =>
      handle.executeUpdate(update, { args: [{ ...arg, actor } as Arg] }),
    );
    (ctx.commanded ??= new Set()).add(task.id);
    ctx.events.publish('taskChanged', { taskId: task.id, planId: task.planId });
    return result;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError || isCompletedWorkflowError(err)) {
      // The read model lags behind a task that has just ended: say how it ended, in the rule's words.
      const ended = await temporal.connection
        .withDeadline(Date.now() + 2_000, () => handle.result() as Promise<TaskSnapshot>)
        .catch(() => null);
      if (ended?.status) requireTaskAction(ctx, { ...task, status: ended.status }, action);
    }
    throw toDubanError(err);
  }
}

/** An Update sent to a workflow that has already completed. */
function isCompletedWorkflowError(err: unknown): boolean {
  const text = err instanceof Error ? `${err.message} ${String((err as { cause?: unknown }).cause ?? '')}` : '';
  return /workflow execution (has )?already completed|already completed/i.test(text);
}
