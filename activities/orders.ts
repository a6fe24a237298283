/**
 * The 督办单 register: a formal notice takes the plan's next number for its
 * year, once. The row is keyed by the notice's idempotency key, so a retried
 * delivery finds its number instead of taking another (domain/orders.ts).
 */
import type { PrismaClient } from '../prisma/client.ts';
import { shanghaiDate } from '../domain/calendar.ts';
import { DEFAULT_ORDER_RULES, daysOverdue, formatOrderNumber } from '../domain/orders.ts';
import type { NoticeToSend } from '../workflows/types.ts';

export interface RegisteredOrder {
  docNumber: string;
  replyBy: string;
}

export async function registerOrder(prisma: PrismaClient, n: NoticeToSend): Promise<RegisteredOrder | null> {
  if (!n.order || !n.taskId) return null;
  const taskId = n.taskId;
  const replyBy = n.order.replyBy;
  return prisma.$transaction(async (tx) => {
    const found = await tx.supervisionOrder.findUnique({ where: { id: n.key } });
    if (found) return { docNumber: found.docNumber, replyBy: found.replyBy };
    const plan = await tx.plan.findUnique({ where: { id: n.planId }, select: { settings: true } });
    const settings = plan ? (JSON.parse(plan.settings) as { orders?: { numberFormat?: string } }) : {};
    const format = settings.orders?.numberFormat ?? DEFAULT_ORDER_RULES.numberFormat;
    const issuedAt = new Date(n.fireAt);
    const issuedOn = shanghaiDate(issuedAt);
    const year = Number(issuedOn.slice(0, 4));
    const last = await tx.supervisionOrder.aggregate({ where: { planId: n.planId, year }, _max: { number: true } });
    const number = (last._max.number ?? 0) + 1;
    const task = await tx.task.findUnique({
      where: { id: taskId },
      select: {
        dueDate: true,
        progress: true,
        reports: { orderBy: { submittedAt: 'desc' }, take: 1, select: { submittedAt: true } },
      },
    });
    const dueDate = n.dueDate ?? task?.dueDate ?? null;
    const docNumber = formatOrderNumber(format, year, number);
    await tx.supervisionOrder.create({
      data: {
        id: n.key,
        planId: n.planId,
        taskId,
        year,
        number,
        docNumber,
        kind: n.kind,
        level: n.level,
        departmentIds: JSON.stringify(n.departmentIds),
        reason: n.reason ?? null,
        dueDate,
        daysOverdue: daysOverdue(dueDate, issuedOn),
        progress: task?.progress ?? 0,
        lastReportAt: task?.reports[0]?.submittedAt ?? null,
        issuedOn,
        issuedAt,
        replyBy,
      },
    });
    return { docNumber, replyBy };
  });
}
