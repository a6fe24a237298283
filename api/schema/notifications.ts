/** The signed-in user's notifications (in-app inbox) and live delivery. */
import { builder, nonEmpty } from '../builder.ts';
import { notFound } from '../errors.ts';
import { ERRORS } from './errors.ts';

builder.queryField('notifications', (t) =>
  t.prismaField({
    type: ['Notification'],
    authScopes: { signedIn: true },
    args: {
      unreadOnly: t.arg.boolean({ required: false, defaultValue: false }),
      limit: t.arg.int({ required: false, defaultValue: 100 }),
    },
    resolve: (query, _r, { unreadOnly, limit }, ctx) =>
      ctx.prisma.notification.findMany({
        ...nonEmpty(query),
        where: { userId: ctx.user!.id, ...(unreadOnly ? { readAt: null } : {}) },
        orderBy: { createdAt: 'desc' },
        take: Math.min(Math.max(limit ?? 100, 1), 500),
      }),
  }),
);

builder.mutationField('markNotificationRead', (t) =>
  t.prismaField({
    type: 'Notification',
    errors: ERRORS,
    authScopes: { signedIn: true },
    args: { id: t.arg.id() },
    resolve: async (query, _r, { id }, ctx) => {
      const n = await ctx.prisma.notification.findUnique({ where: { id: String(id) } });
      // Someone else's notification is as good as absent.
      if (!n || n.userId !== ctx.user!.id) throw notFound('通知', 'Notification');
      return ctx.prisma.notification.update({
        ...nonEmpty(query),
        where: { id: n.id },
        data: { readAt: n.readAt ?? new Date() },
      });
    },
  }),
);

builder.subscriptionField('notificationReceived', (t) =>
  t.prismaField({
    type: 'Notification',
    authScopes: { signedIn: true },
    subscribe: (_r, _a, ctx) => onlyFor(ctx.events.subscribe('notificationReceived'), ctx.user!.id),
    resolve: (query, e: { notificationId: string }, _a, ctx) =>
      ctx.prisma.notification.findUniqueOrThrow({ ...nonEmpty(query), where: { id: e.notificationId } }),
  }),
);

async function* onlyFor<T extends { userId: string }>(source: AsyncIterable<T>, userId: string): AsyncGenerator<T> {
  for await (const e of source) if (e.userId === userId) yield e;
}
