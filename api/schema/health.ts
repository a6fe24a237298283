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
  engine: string;
  engineRestarts: number;
  worker: string;
  stuckWorkflows: number;
  stuck: { workflowId: string; taskId: string | null; attempt: number; since: string | null }[];
}

const StuckWorkflow = builder.objectRef<HealthShape['stuck'][number]>('StuckWorkflow').implement({
  description: 'A workflow whose workflow task keeps failing: a bug to report, listed for the office and admins.',
  fields: (t) => ({
    workflowId: t.exposeString('workflowId'),
    taskId: t.exposeString('taskId', { nullable: true }),
    attempt: t.exposeInt('attempt'),
    since: t.exposeString('since', { nullable: true }),
  }),
});

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
    engine: t.exposeString('engine', { description: 'up | starting | down | external' }),
    engineRestarts: t.exposeInt('engineRestarts'),
    worker: t.exposeString('worker', { description: 'The worker state (RUNNING, DRAINING, …) or "external"' }),
    stuck: t.field({
      type: [StuckWorkflow],
      description: 'The stuck workflows themselves: listed for the office and admins, empty for everyone else',
      resolve: (h, _args, ctx) => (ctx.user?.role === 'OFFICE' || ctx.user?.role === 'ADMIN' ? h.stuck : []),
    }),
    stuckWorkflows: t.exposeInt('stuckWorkflows', {
      description: 'Open task workflows whose workflow task keeps failing (listed on the admin page)',
    }),
  }),
});

builder.queryField('health', (t) =>
  t.field({
    type: Health,
    resolve: async (_root, _args, ctx) => {
      const rows = await ctx.prisma.$queryRawUnsafe<{ v: string }[]>('select sqlite_version() as v');
      let temporalReachable = false;
      const parts = ctx.parts?.();
      if (ctx.temporal && parts?.engine !== 'down') {
        try {
          // Answer within a second whatever state the engine is in.
          await ctx.temporal.connection.withDeadline(Date.now() + 800, () =>
            ctx.temporal!.workflowService.getSystemInfo({}),
          );
          temporalReachable = true;
        } catch {
          temporalReachable = false;
        }
      }
      const stuckWorkflows = parts?.stuck.length ?? 0;
      return {
        ok: temporalReachable && (!parts || parts.worker === 'RUNNING'),
        engine: parts?.engine ?? (ctx.config.temporal.address ? 'external' : 'unknown'),
        engineRestarts: parts?.engineRestarts ?? 0,
        worker: parts?.worker ?? 'external',
        stuckWorkflows,
        stuck: parts?.stuck ?? [],
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
