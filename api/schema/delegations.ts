/**
 * 代理 (acting-for): a department user names a colleague to act for them over
 * a range of days; the office names one for any department user (when someone
 * is away). The rules are domain/delegation; who sees what while one is in
 * force is the one access rule (api/access, fed by api/delegation).
 */
import { z } from 'zod';
import { isPlausibleDate, shanghaiDate } from '../../domain/calendar.ts';
import {
  delegationInForce,
  delegationRangeProblem,
  overlapProblem,
  selfDelegationProblem,
  type DelegationProblem,
} from '../../domain/delegation.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { builder, nonEmpty } from '../builder.ts';
import type { Context } from '../context.ts';
import { DubanError, forbidden, invalidInput, invalidState, notFound, unauthenticated } from '../errors.ts';
import { onBehalfOfData } from '../delegation.ts';
import { ERRORS } from './errors.ts';
import { PersonRef, TimelineEvent } from './objects.ts';

const isoDate = z.string().refine((s) => isPlausibleDate(s), 'DATE');
const today = () => shanghaiDate(Date.now());
const isOffice = (ctx: Context) => ctx.user?.role === 'OFFICE' || ctx.user?.role === 'ADMIN';
const refuse = (p: DelegationProblem) => invalidInput(p.zh, p.en);

/** Delegations the reader gave or received (the office: every one). */
function readable(ctx: Context): Prisma.DelegationWhereInput {
  if (!ctx.user) throw unauthenticated();
  if (isOffice(ctx)) return {};
  return { OR: [{ fromUserId: ctx.user.id }, { toUserId: ctx.user.id }] };
}

/** Not cancelled and not over: in force now or still to come. */
const current = (): Prisma.DelegationWhereInput => ({ cancelledAt: null, endsOn: { gte: today() } });

builder.prismaObject('Delegation', {
  description: '代理: `toUser` acts for `fromUser` from `startsOn` to `endsOn` (Asia/Shanghai days, inclusive).',
  fields: (t) => ({
    id: t.exposeID('id'),
    fromUser: t.field({ type: PersonRef, nullable: true, resolve: (d, _a, ctx) => ctx.loaders.person(d.fromUserId) }),
    toUser: t.field({ type: PersonRef, nullable: true, resolve: (d, _a, ctx) => ctx.loaders.person(d.toUserId) }),
    createdBy: t.field({
      type: PersonRef,
      nullable: true,
      resolve: (d, _a, ctx) => ctx.loaders.person(d.createdById),
    }),
    startsOn: t.exposeString('startsOn'),
    endsOn: t.exposeString('endsOn'),
    reason: t.exposeString('reason', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    cancelledAt: t.expose('cancelledAt', { type: 'DateTime', nullable: true }),
    inForce: t.boolean({
      description: 'In force today (Asia/Shanghai): the colleague acts for the user now.',
      resolve: (d) => delegationInForce(d, today()),
    }),
  }),
});

interface ActingForRow {
  userId: string;
  displayName: string;
  departmentId: string;
  endsOn: string;
}

const ActingForRef = builder.objectRef<ActingForRow>('ActingFor').implement({
  description: 'A colleague the reader acts for today (代理), and until when.',
  fields: (t) => ({
    userId: t.exposeID('userId'),
    displayName: t.exposeString('displayName'),
    departmentId: t.exposeID('departmentId'),
    departmentName: t.string({
      nullable: true,
      resolve: async (a, _args, ctx) => (await ctx.loaders.person(a.userId))?.departmentName ?? null,
    }),
    endsOn: t.exposeString('endsOn'),
  }),
});

builder.queryField('actingFor', (t) =>
  t.field({
    type: [ActingForRef],
    authScopes: { signedIn: true },
    description: 'The colleagues the reader acts for today (代理): their tasks are the reader’s to see and act on.',
    resolve: (_r, _a, ctx) =>
      (ctx.user?.actingFor ?? []).map((a) => ({
        userId: a.userId,
        displayName: a.displayName,
        departmentId: a.departmentId,
        endsOn: a.endsOn,
      })),
  }),
);

builder.queryField('myDelegations', (t) =>
  t.prismaField({
    type: ['Delegation'],
    authScopes: { signedIn: true },
    description: 'Delegations the reader gave or received, in force or still to come.',
    resolve: (q, _r, _a, ctx) =>
      ctx.prisma.delegation.findMany({
        ...nonEmpty(q),
        where: { AND: [{ OR: [{ fromUserId: ctx.user!.id }, { toUserId: ctx.user!.id }] }, current()] },
        orderBy: [{ startsOn: 'asc' }, { createdAt: 'asc' }],
      }),
  }),
);

builder.queryField('delegations', (t) =>
  t.prismaField({
    type: ['Delegation'],
    authScopes: { signedIn: true },
    description:
      'Delegations: the office sees every one, others those they gave or received. active: true → in force or to come; false → over or cancelled.',
    args: { active: t.arg.boolean({ required: false }) },
    resolve: (q, _r, { active }, ctx) =>
      ctx.prisma.delegation.findMany({
        ...nonEmpty(q),
        where: {
          AND: [
            readable(ctx),
            active === true
              ? current()
              : active === false
                ? { OR: [{ cancelledAt: { not: null } }, { endsOn: { lt: today() } }] }
                : {},
          ],
        },
        orderBy: [{ startsOn: 'desc' }, { createdAt: 'desc' }],
        take: 500,
      }),
  }),
);

builder.queryField('delegationColleagues', (t) =>
  t.field({
    type: [PersonRef],
    authScopes: { signedIn: true },
    description: 'Who may be named to act for someone: active department users (not the reader).',
    resolve: async (_r, _a, ctx) => {
      if (ctx.user?.role !== 'DEPARTMENT' && !isOffice(ctx)) return [];
      const users = await ctx.prisma.user.findMany({
        where: { role: 'DEPARTMENT', active: true, id: { not: ctx.user!.id } },
        include: { department: true },
        orderBy: [{ department: { sortOrder: 'asc' } }, { displayName: 'asc' }],
      });
      return users.map((u) => ({
        id: u.id,
        displayName: u.displayName,
        role: u.role,
        departmentName: u.department?.name ?? null,
      }));
    },
  }),
);

async function departmentUser(ctx: Context, id: string) {
  const u = await ctx.prisma.user.findUnique({ where: { id } });
  return u && u.active && u.role === 'DEPARTMENT' && u.departmentId ? u : null;
}

builder.mutationField('createDelegation', (t) =>
  t.prismaField({
    type: 'Delegation',
    errors: ERRORS,
    description:
      '代理: name a colleague (an active department user) to act for you from startsOn to endsOn; the office names one for any department user (fromUserId).',
    args: {
      fromUserId: t.arg.id({ required: false, description: 'The absent user (office only; others: themselves).' }),
      toUserId: t.arg.id(),
      startsOn: t.arg.string({ validate: isoDate }),
      endsOn: t.arg.string({ validate: isoDate }),
      reason: t.arg.string({ required: false, validate: z.string().trim().max(200, 'MAX:200') }),
    },
    resolve: async (q, _r, a, ctx) => {
      if (!ctx.user) throw unauthenticated();
      const me = ctx.user;
      if (me.role !== 'DEPARTMENT' && !isOffice(ctx)) throw forbidden();
      const fromUserId = a.fromUserId ? String(a.fromUserId) : me.id;
      if (me.role === 'DEPARTMENT' && fromUserId !== me.id) {
        throw new DubanError(
          'FORBIDDEN',
          {},
          {
            zh: '只能为本人指定代理人；为他人安排代理请联系督查室。',
            en: 'You may name someone to act for yourself only; ask the office to arrange it for others.',
            whole: true,
          },
        );
      }
      const toUserId = String(a.toUserId);
      const range = { startsOn: a.startsOn, endsOn: a.endsOn };
      const problem = delegationRangeProblem(range, today()) ?? selfDelegationProblem(fromUserId, toUserId);
      if (problem) throw refuse(problem);
      const from = await departmentUser(ctx, fromUserId);
      if (!from) {
        throw invalidInput(
          '被代理人应为在岗的部门用户。',
          'The user to be acted for must be an active department user.',
        );
      }
      const to = await departmentUser(ctx, toUserId);
      if (!to)
        throw invalidInput('代理人应为在岗的部门用户。', 'The colleague acting must be an active department user.');
      const existing = await ctx.prisma.delegation.findMany({ where: { fromUserId, ...current() } });
      const clash = overlapProblem(range, existing);
      if (clash) throw invalidState(clash.zh, clash.en);
      const created = await ctx.prisma.$transaction(async (tx) => {
        const d = await tx.delegation.create({
          data: {
            fromUserId,
            toUserId,
            startsOn: range.startsOn,
            endsOn: range.endsOn,
            reason: a.reason?.trim() || null,
            createdById: me.id,
          },
        });
        await tx.auditLog.create({
          data: {
            actorId: me.id,
            actorRole: me.role,
            action: 'CREATE_DELEGATION',
            entityType: 'Delegation',
            entityId: d.id,
            data: JSON.stringify({ fromUserId, toUserId, startsOn: d.startsOn, endsOn: d.endsOn }),
          },
        });
        return d;
      });
      return ctx.prisma.delegation.findUniqueOrThrow({ ...nonEmpty(q), where: { id: created.id } });
    },
  }),
);

builder.mutationField('cancelDelegation', (t) =>
  t.prismaField({
    type: 'Delegation',
    errors: ERRORS,
    description: 'End a delegation now (its creator, the user acted for, or the office).',
    args: { id: t.arg.id() },
    resolve: async (q, _r, { id }, ctx) => {
      if (!ctx.user) throw unauthenticated();
      const me = ctx.user;
      const d = await ctx.prisma.delegation.findUnique({ where: { id: String(id) } });
      const mayRead = d && (isOffice(ctx) || d.fromUserId === me.id || d.toUserId === me.id);
      if (!d || !mayRead) throw notFound('代理安排', 'Delegation');
      if (!isOffice(ctx) && d.fromUserId !== me.id && d.createdById !== me.id) throw forbidden();
      if (d.cancelledAt) throw invalidState('该代理安排已撤销。', 'This delegation is already cancelled.');
      if (d.endsOn < today()) throw invalidState('该代理安排已到期。', 'This delegation has already ended.');
      const cancelled = await ctx.prisma.$transaction(async (tx) => {
        const row = await tx.delegation.update({ where: { id: d.id }, data: { cancelledAt: new Date() } });
        await tx.auditLog.create({
          data: {
            actorId: me.id,
            actorRole: me.role,
            action: 'CANCEL_DELEGATION',
            entityType: 'Delegation',
            entityId: d.id,
          },
        });
        return row;
      });
      return ctx.prisma.delegation.findUniqueOrThrow({ ...nonEmpty(q), where: { id: cancelled.id } });
    },
  }),
);

/** Who the actor acted for (代理), as the workflow recorded it on the event: "王五 代 张三". */
builder.objectField(TimelineEvent, 'onBehalfOf', (t) =>
  t.field({
    type: PersonRef,
    nullable: true,
    description: '代理: the user the actor acted for (data.onBehalfOf), when they did.',
    resolve: async (e, _a, ctx) => {
      const of = onBehalfOfData(e.data);
      if (!of) return null;
      const person = await ctx.loaders.person(of.userId);
      return (
        person ?? { id: of.userId, displayName: of.displayName ?? of.userId, role: 'DEPARTMENT', departmentName: null }
      );
    },
  }),
);
