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

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: { signedIn: boolean; office: boolean; admin: boolean; supervisor: boolean; department: boolean };
  Scalars: { DateTime: { Input: Date; Output: Date } };
}>({
  // Scope auth must come first so it wraps every other plugin's resolvers.
  plugins: [ScopeAuthPlugin, ErrorsPlugin, ValidationPlugin, RelayPlugin, PrismaPlugin],
  scopeAuth: {
    authScopes: (ctx) => ({
      signedIn: ctx.user !== null,
      office: ctx.user?.role === 'OFFICE' || ctx.user?.role === 'ADMIN',
      admin: ctx.user?.role === 'ADMIN',
      supervisor: ctx.user?.role === 'SUPERVISOR',
      department: ctx.user?.role === 'DEPARTMENT',
    }),
  },
  errors: { defaultTypes: [Error] },
  relay: {},
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
    if (Number.isNaN(d.getTime())) throw new Error(`Invalid DateTime: ${String(value)}`);
    return d;
  },
});

builder.queryType({});
