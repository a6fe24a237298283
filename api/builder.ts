/** The Pothos schema builder and its plugins, configured once. */
import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ValidationPlugin from '@pothos/plugin-validation';
import type PrismaTypes from '../generated/pothos-types.ts';
import { getDatamodel } from '../generated/pothos-types.ts';
import type { Context } from './context.ts';
import { DubanError } from './errors.ts';
import { fieldLabel, validationText } from './messages.ts';
import { taskScope } from './access.ts';

/** Which of these global ids name a node the signed-in user may see (the one access rule for tasks). */
async function visibleNodes(ctx: Context, ids: readonly { typename: string; id: string }[]): Promise<boolean[]> {
  const taskIds = ids.filter((g) => g.typename === 'Task').map((g) => g.id);
  const seen = new Set(
    taskIds.length
      ? (
          await ctx.prisma.task.findMany({
            where: { AND: [{ id: { in: taskIds } }, taskScope(ctx)] },
            select: { id: true },
          })
        ).map((t) => t.id)
      : [],
  );
  return ids.map((g) => g.typename !== 'Task' || seen.has(g.id));
}

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: {
    signedIn: boolean;
    office: boolean;
    admin: boolean;
    supervisor: boolean;
    department: boolean;
    reader: boolean;
  };
  Scalars: { DateTime: { Input: Date; Output: Date }; File: { Input: File; Output: never } };
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: true;
}>({
  // Scope auth must come first so it wraps every other plugin's resolvers.
  plugins: [ScopeAuthPlugin, ErrorsPlugin, ValidationPlugin, RelayPlugin, PrismaPlugin],
  defaultFieldNullability: false,
  defaultInputFieldRequiredness: true,
  scopeAuth: {
    authScopes: (ctx) => ({
      signedIn: ctx.user !== null,
      office: ctx.user?.role === 'OFFICE' || ctx.user?.role === 'ADMIN',
      admin: ctx.user?.role === 'ADMIN',
      supervisor: ctx.user?.role === 'SUPERVISOR',
      department: ctx.user?.role === 'DEPARTMENT',
      /** Everyone but department staff reads every plan and task. */
      reader: ctx.user !== null && ctx.user.role !== 'DEPARTMENT',
    }),
    unauthorizedError: (_parent, ctx) => (ctx.user ? new DubanError('FORBIDDEN') : new DubanError('UNAUTHENTICATED')),
  },
  errors: { defaultTypes: [] },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    // node(id) / nodes(ids): a task you may not see is absent (null), as in task(id), not a FORBIDDEN error.
    nodeQueryOptions: {
      resolve: async (_root, args, ctx, _info, resolveNodes) => {
        const [visible] = await visibleNodes(ctx, [args.id]);
        return visible ? resolveNodes(args.id) : null;
      },
    },
    nodesQueryOptions: {
      resolve: async (_root, args, ctx, _info, resolveNodes) => {
        const visible = await visibleNodes(ctx, args.ids);
        const nodes = await resolveNodes(args.ids);
        return nodes.map((n, i) => (visible[i] ? n : null));
      },
    },
  },
  validation: {
    validationError: (failure) => {
      const first = failure.issues[0];
      const where = first?.path?.map((p) => (typeof p === 'object' ? String(p.key) : String(p))).join('.') ?? '';
      const field = fieldLabel(where);
      const text = validationText(first?.message ?? '');
      return new DubanError('INVALID_INPUT', {}, { zh: `${field.zh}${text.zh}`, en: `${field.en} ${text.en}` });
    },
  },
  prisma: {
    client: (ctx) => ctx.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
});

builder.scalarType('DateTime', {
  serialize: (value) => value.toISOString(),
  parseValue: (value) => {
    const d = new Date(String(value));
    if (Number.isNaN(d.getTime()))
      throw new DubanError(
        'INVALID_INPUT',
        {},
        { zh: `无效的时间：${String(value)}`, en: `Invalid DateTime: ${String(value)}` },
      );
    return d;
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

/**
 * Pothos plans a `select` from the client's selection; a client asking only for
 * `__typename` yields an empty one, which Prisma refuses. Select the id then.
 */
export function nonEmpty<Q extends { select?: object }>(query: Q): Q {
  return query.select && Object.keys(query.select).length === 0 ? { ...query, select: { id: true } } : query;
}
