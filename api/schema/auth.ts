/** Signing in and out, and `me`. */
import { z } from 'zod';
import { builder, nonEmpty } from '../builder.ts';
import { clearedSessionCookie, createSession, endSession, sessionCookie, verifyPassword } from '../auth.ts';
import { DubanError } from '../errors.ts';
import { ERRORS } from './errors.ts';
import { User } from './objects.ts';

const LoginResult = builder.objectRef<{ token: string; expiresAt: Date; userId: string }>('LoginResult').implement({
  fields: (t) => ({
    token: t.exposeString('token', { description: 'Bearer token for scripts (Authorization: Bearer …).' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    user: t.prismaField({
      type: 'User',
      resolve: (query, r, _a, ctx) =>
        ctx.prisma.user.findUniqueOrThrow({ ...nonEmpty(query), where: { id: r.userId } }),
    }),
  }),
});

builder.mutationField('login', (t) =>
  t.field({
    type: LoginResult,
    errors: ERRORS,
    args: {
      username: t.arg.string({ validate: z.string().trim().min(1, 'REQUIRED').max(64, 'MAX:64') }),
      password: t.arg.string({ validate: z.string().min(1, 'REQUIRED').max(256, 'MAX:256') }),
    },
    resolve: async (_root, { username, password }, ctx) => {
      const wait = ctx.limiter.blockedFor(username, ctx.clientAddress);
      if (wait > 0) throw new DubanError('TOO_MANY_ATTEMPTS', { minutes: wait });
      const user = await ctx.prisma.user.findUnique({ where: { username } });
      const ok = user && user.active ? await verifyPassword(password, user.passwordHash) : false;
      if (!user || !ok) {
        ctx.limiter.fail(username, ctx.clientAddress);
        throw new DubanError('INVALID_CREDENTIALS');
      }
      ctx.limiter.succeed(username);
      const session = await createSession(ctx.prisma, user.id);
      const secure = new URL(ctx.request.url).protocol === 'https:';
      ctx.setCookies.push(sessionCookie(session.token, session.expiresAt, secure));
      return { token: session.token, expiresAt: session.expiresAt, userId: user.id };
    },
  }),
);

builder.mutationField('logout', (t) =>
  t.boolean({
    resolve: async (_root, _args, ctx) => {
      if (ctx.token) await endSession(ctx.prisma, ctx.token);
      ctx.setCookies.push(clearedSessionCookie);
      return true;
    },
  }),
);

builder.queryField('me', (t) =>
  t.prismaField({
    type: User,
    nullable: true,
    resolve: (query, _root, _args, ctx) =>
      ctx.user ? ctx.prisma.user.findUnique({ ...nonEmpty(query), where: { id: ctx.user.id } }) : null,
  }),
);
