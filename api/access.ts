/**
 * The API side of the one access rule (domain/access): every read path asks
 * `taskScope` for its Prisma where clause, every object-level check asks
 * `canSeeTaskRow`, and every command is checked by `requireTaskAction` before
 * it reaches the workflow (whose validator runs the same rule again).
 */
import { decodeGlobalID } from '@pothos/plugin-relay';
import type { Prisma } from '../generated/prisma/client.ts';
import {
  canSeeTask,
  refusal,
  visibleDepartmentIds,
  type AccessActor,
  type AccessTask,
  type TaskAction,
} from '../domain/access.ts';
import type { TaskStatus } from '../domain/types.ts';
import { shanghaiDate } from '../domain/calendar.ts';
import { responsibilityFacts } from '../domain/responsibility.ts';
import type { ResponsibilityView } from '../workflows/types.ts';
import type { Context, SessionUser } from './context.ts';
import { DubanError, notFound, unauthenticated } from './errors.ts';

export function accessActor(user: SessionUser | null): AccessActor | null {
  if (!user) return null;
  const actor: AccessActor = { userId: user.id, role: user.role, departmentId: user.departmentId };
  // 代理: the departments of the colleagues this user acts for today (api/delegation.ts).
  const acting = (user.actingFor ?? []).map((a) => a.departmentId).filter((d) => d !== user.departmentId);
  return acting.length ? { ...actor, actingForDepartmentIds: [...new Set(acting)] } : actor;
}

/** The tasks the signed-in user may see, as a where clause; nobody signed in sees none. */
export function taskScope(ctx: Pick<Context, 'user'>): Prisma.TaskWhereInput {
  const actor = accessActor(ctx.user);
  if (!actor) throw unauthenticated();
  const depts = visibleDepartmentIds(actor);
  if (depts === null) return {};
  return { OR: [{ leadDepartmentId: { in: depts } }, { cooperators: { some: { departmentId: { in: depts } } } }] };
}

/** What the rule needs of a read-model row (with its cooperators and pending requests). */
export interface TaskAccessRow {
  status: string;
  leadDepartmentId: string | null;
  dueDate?: string | null;
  cooperators: { departmentId: string }[];
  extensions?: { status: string }[];
  /** 退单, 挂起, 回头看 as the workflow projected them (JSON). */
  responsibility?: string;
}

export const TASK_ACCESS_SELECT = {
  status: true,
  leadDepartmentId: true,
  dueDate: true,
  cooperators: { select: { departmentId: true } },
  extensions: { where: { status: 'PENDING' }, select: { status: true }, take: 1 },
  responsibility: true,
} as const;

export function accessTaskOf(row: TaskAccessRow): AccessTask {
  return {
    status: row.status as TaskStatus,
    leadDepartmentId: row.leadDepartmentId,
    cooperatingDepartmentIds: row.cooperators.map((c) => c.departmentId),
    dueDate: row.dueDate ?? null,
    ...(row.extensions ? { hasPendingExtension: row.extensions.some((e) => e.status === 'PENDING') } : {}),
    hasPendingClosure: row.status === 'CLOSURE_REQUESTED',
    ...(row.responsibility === undefined
      ? {}
      : responsibilityFacts(row.status, responsibilityOf(row), shanghaiDate(Date.now()))),
  };
}

/** The read model's 退单, 挂起 and 回头看 facts (Task.responsibility), as the rule needs them. */
export function responsibilityOf(row: { responsibility?: string | null }): Partial<ResponsibilityView> {
  if (!row.responsibility) return {};
  try {
    return JSON.parse(row.responsibility) as Partial<ResponsibilityView>;
  } catch {
    return {};
  }
}

export function canSeeTaskRow(user: SessionUser | null, row: TaskAccessRow): boolean {
  return canSeeTask(accessActor(user), accessTaskOf(row));
}

/**
 * Task ids as clients hold them: the relay global id (`Task.id`) or the
 * database id (`Task.taskId`). Both are accepted everywhere a task is named.
 */
export function taskIdOf(raw: string | number): string {
  const id = String(raw);
  try {
    const { typename, id: inner } = decodeGlobalID(id);
    if (typename === 'Task' && inner) return inner;
  } catch {
    // not a global id
  }
  return id;
}

/** Load a task the user may see, or fail: NOT_FOUND both when it is absent and when it is not theirs to see. */
export async function visibleTaskRow(ctx: Context, rawId: string | number) {
  if (!ctx.user) throw unauthenticated();
  const id = taskIdOf(rawId);
  const task = await ctx.prisma.task.findUnique({
    where: { id },
    include: { cooperators: true, extensions: { where: { status: 'PENDING' }, take: 1 } },
  });
  if (!task) throw notFound('任务', 'Task');
  return task;
}

/** Refuse a command the rule forbids, with the rule's own code and words. */
export function requireTaskAction(ctx: Context, row: TaskAccessRow, action: TaskAction): void {
  const r = refusal(accessActor(ctx.user), accessTaskOf(row), action);
  if (r) throw new DubanError(r.code, {}, { zh: r.zh, en: r.en, whole: true });
}
