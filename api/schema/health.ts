/** `health`: is the service up, and what is it running on. */
import { createRequire } from 'node:module';
import { builder } from '../builder.ts';

const require = createRequire(import.meta.url);
const temporalSdkVersion: string = require('@temporalio/client/package.json').version;

interface HealthShape {
  ok: boolean;
  node: string;
  sqlite: string;
  temporalSdk: string;
  temporalAddress: string;
  temporalNamespace: string;
  temporalReachable: boolean;
}

const Health = builder.objectRef<HealthShape>('SystemHealth').implement({
  description: 'Versions and reachability of the parts Duban runs on.',
  fields: (t) => ({
    ok: t.exposeBoolean('ok'),
    node: t.exposeString('node', { description: 'Node.js version' }),
    sqlite: t.exposeString('sqlite', { description: 'SQLite library version of the read model' }),
    temporalSdk: t.exposeString('temporalSdk', { description: 'Temporal TypeScript SDK version' }),
    temporalAddress: t.exposeString('temporalAddress'),
    temporalNamespace: t.exposeString('temporalNamespace'),
    temporalReachable: t.exposeBoolean('temporalReachable'),
  }),
});

builder.queryField('health', (t) =>
  t.field({
    type: Health,
    resolve: async (_root, _args, ctx) => {
      const rows = await ctx.prisma.$queryRawUnsafe<{ v: string }[]>('select sqlite_version() as v');
      let temporalReachable = false;
      if (ctx.temporal) {
        try {
          await ctx.temporal.workflowService.getSystemInfo({});
          temporalReachable = true;
        } catch {
          temporalReachable = false;
        }
      }
      return {
        ok: temporalReachable,
        node: process.versions.node,
        sqlite: rows[0]?.v ?? 'unknown',
        temporalSdk: temporalSdkVersion,
        temporalAddress: ctx.temporal?.connection ? (ctx.config.temporal.address ?? 'embedded') : 'not connected',
        temporalNamespace: ctx.config.temporal.namespace,
        temporalReachable,
      };
    },
  }),
);
