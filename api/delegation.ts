/**
 * 代理 (acting-for) on the API side: which colleagues a user acts for today
 * (filled into the session user, so every read scope and check, through
 * api/access, sees their departments), and the Actor a command carries on a
 * task of such a department: the delegator's department, and `onBehalfOf`
 * so the timeline says "王五 代 张三". The rules themselves are domain/delegation.
 */
import { involvement, refusal, type TaskAction } from '../domain/access.ts';
import { shanghaiDate } from '../domain/calendar.ts';
import type { PrismaClient } from '../prisma/client.ts';
import type { Actor } from '../workflows/types.ts';
import { accessTaskOf, type TaskAccessRow } from './access.ts';
import type { ActingFor, Context } from './context.ts';
import { unauthenticated } from './errors.ts';

/** Delegations to `userId` in force on today's Asia/Shanghai day, from active department users. */
export async function actingForOf(prisma: PrismaClient, userId: string, now: Date | number = Date.now()) {
  const today = shanghaiDate(now);
  const rows = await prisma.delegation.findMany({
    where: { toUserId: userId, cancelledAt: null, startsOn: { lte: today }, endsOn: { gte: today } },
    include: { fromUser: true },
    orderBy: { startsOn: 'asc' },
  });
  return rows
    .filter((d) => d.fromUser.active && d.fromUser.role === 'DEPARTMENT' && d.fromUser.departmentId)
    .map((d): ActingFor => ({
      delegationId: d.id,
      userId: d.fromUserId,
      displayName: d.fromUser.displayName,
      departmentId: d.fromUser.departmentId!,
      endsOn: d.endsOn,
    }));
}

/**
 * Who the workflow should hear for `action` on this task: the user as they
 * are when their own department may take it (as lead, if it leads), else as
 * acting for a colleague whose department may (lead first).
 */
export function actorForTask(ctx: Context, task: TaskAccessRow, action: TaskAction): Actor {
  if (!ctx.user) throw unauthenticated();
  const own: Actor = { userId: ctx.user.id, role: ctx.user.role, departmentId: ctx.user.departmentId };
  const acting = (ctx.user.actingFor ?? []).filter((a) => a.departmentId !== ctx.user!.departmentId);
  if (ctx.user.role !== 'DEPARTMENT' || acting.length === 0) return own;
  const t = accessTaskOf(task);
  const candidates: Actor[] = [
    own,
    ...acting.map((a) => ({
      ...own,
      departmentId: a.departmentId,
      onBehalfOf: { userId: a.userId, displayName: a.displayName },
    })),
  ];
  const allowed = candidates.filter((c) => refusal(c, t, action) === null);
  return allowed.find((c) => involvement(c, t) === 'LEAD') ?? allowed[0] ?? own;
}

/** `data.onBehalfOf` of a timeline event's JSON, when present and well formed. */
export function onBehalfOfData(data: string | null | undefined): { userId: string; displayName?: string } | null {
  try {
    const of = (JSON.parse(data ?? '{}') as { onBehalfOf?: unknown }).onBehalfOf as
      { userId?: unknown; displayName?: unknown } | undefined;
    if (!of || typeof of.userId !== 'string') return null;
    return { userId: of.userId, ...(typeof of.displayName === 'string' ? { displayName: of.displayName } : {}) };
  } catch {
    return null;
  }
}

/** "王五 代 张三": who acted, for whom. */
export const actingLabel = (actor: string, onBehalfOf: string): string => `${actor} 代 ${onBehalfOf}`;

/**
 * For reports (task, submittedAt) submitted by someone acting for a colleague
 * (their timeline event carries data.onBehalfOf), "王五 代 张三", keyed
 * `${taskId}@${submittedAt ms}`: exports print it beside the report.
 */
export async function reportActingLabels(
  prisma: PrismaClient,
  reports: readonly { taskId: string; submittedAt: Date }[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!reports.length) return out;
  const events = await prisma.taskEvent.findMany({
    where: {
      taskId: { in: [...new Set(reports.map((r) => r.taskId))] },
      at: { in: reports.map((r) => r.submittedAt) },
      kind: { in: ['REPORTED', 'CONTRIBUTED'] },
      data: { contains: 'onBehalfOf' },
    },
    select: { taskId: true, at: true, actorId: true, data: true },
  });
  const actorIds = [...new Set(events.map((e) => e.actorId).filter((id): id is string => !!id))];
  const of = events.map((e) => onBehalfOfData(e.data));
  const people = await prisma.user.findMany({
    where: { id: { in: [...actorIds, ...of.flatMap((o) => (o ? [o.userId] : []))] } },
    select: { id: true, displayName: true },
  });
  const name = new Map(people.map((p) => [p.id, p.displayName]));
  events.forEach((e, i) => {
    const o = of[i];
    if (!o || !e.actorId) return;
    out.set(
      `${e.taskId}@${e.at.getTime()}`,
      actingLabel(name.get(e.actorId) ?? e.actorId, name.get(o.userId) ?? o.displayName ?? o.userId),
    );
  });
  return out;
}
