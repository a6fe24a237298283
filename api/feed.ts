/**
 * The change feed behind subscriptions. Workers may run in other processes
 * (the scale-out path), so the API does not rely on in-process calls from
 * activities: it polls the read model for rows changed since its last look
 * (indexed by updatedAt / createdAt) and publishes them on the event bus.
 */
import type { PrismaClient } from '../prisma/client.ts';
import type { EventBus } from './events.ts';

export function startChangeFeed(prisma: PrismaClient, events: EventBus, intervalMs = 1000): { stop(): void } {
  let since = new Date();
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const until = new Date();
      const [tasks, notifications] = await Promise.all([
        prisma.task.findMany({ where: { updatedAt: { gt: since, lte: until } }, select: { id: true, planId: true } }),
        prisma.notification.findMany({
          where: { createdAt: { gt: since, lte: until } },
          select: { id: true, userId: true },
        }),
      ]);
      for (const t of tasks) events.publish('taskChanged', { taskId: t.id, planId: t.planId });
      for (const n of notifications) events.publish('notificationReceived', { userId: n.userId, notificationId: n.id });
      since = until;
    } catch (err) {
      console.error('[feed]', err);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
