/**
 * `npm start`: build what needs building, migrate the database, bring up the
 * embedded Temporal engine (unless TEMPORAL_ADDRESS is set), the worker and the
 * HTTP server (GraphQL at /graphql, the board at /), then print the URL.
 */
import { loadConfig } from '../temporal.config.ts';
import { connectTemporal } from '../runtime/temporal.ts';
import { buildWebIfStale } from '../runtime/web.ts';
import { applyHeapGrowth } from '../runtime/memory.ts';

const log = (line: string) => console.log(`[duban] ${line}`);
const config = loadConfig();
applyHeapGrowth(config.heapGrowingPercent);
// The engine is spawned before the rest of the app is even loaded (seconds of module loading on
// a busy machine): after a crash every second counts, so the parts come up side by side.
const temporalReady = connectTemporal(config, log);
temporalReady.catch(() => undefined);
const [
  { Runtime },
  { createPrisma, prepareDatabase },
  { startServer },
  { startWorker, workflowBundle },
  { seedDemo },
  { resumeMissingWorkflows },
  { watchStuckWorkflows },
] = await Promise.all([
  import('@temporalio/worker'),
  import('../prisma/client.ts'),
  import('../api/server.ts'),
  import('../runtime/worker.ts'),
  import('../runtime/demo.ts'),
  import('../services/plans.ts'),
  import('../runtime/stuck.ts'),
]);
// This process owns its signals: the SDK must not start draining the worker behind our back.
Runtime.install({ shutdownSignals: [] });
const bundle = workflowBundle();
// Whichever fails first is reported by the await that meets it; the others must not crash the process meanwhile.
bundle.catch(() => undefined);
await buildWebIfStale(log);
const { applied } = await prepareDatabase(config.databaseUrl);
log(applied.length ? `Applied migrations: ${applied.join(', ')}` : 'Database is up to date.');
const prisma = createPrisma(config.databaseUrl);
const temporal = await temporalReady;
const worker = await startWorker(config, temporal.connection, prisma, bundle);
log(`Worker polling task queue "${config.temporal.taskQueue}"`);
const resumed = await resumeMissingWorkflows(temporal.client, prisma, config.temporal.taskQueue);
if (resumed.tasks || resumed.plans)
  log(`Started workflows for ${resumed.tasks} task(s) and ${resumed.plans} plan(s) that had none.`);
const demoUsers = await seedDemo(prisma, temporal.client, config);
const stuck = watchStuckWorkflows(temporal.client, prisma);
// After an engine restart, look again soon: stuck workflows, and read models ahead of their workflow.
temporal.onRestart(() => setTimeout(() => void stuck.sweep().catch(() => undefined), 3_000).unref());
const server = await startServer(
  {
    prisma,
    config,
    temporal: temporal.client,
    parts: () => ({ ...temporal.status(), worker: worker.worker.getState(), stuck: stuck.list() }),
  },
  { port: config.port, host: config.host },
);
log(`Duban 督办 is running at ${server.url}/  (GraphQL: ${server.url}/graphql)`);
if (demoUsers.length) {
  log(`Demo plan imported. Sign in with password "${config.demo.password}" as:`);
  for (const u of demoUsers) log(`  ${u.username.padEnd(11)} ${u.role}${u.department ? `  ${u.department}` : ''}`);
}

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log(`${signal}: shutting down…`);
  try {
    stuck.stop();
    await server.close();
    await worker.stop();
    await temporal.stop();
    await prisma.$disconnect();
    log('Stopped.');
    process.exit(0);
  } catch (err) {
    console.error(`[duban] shutdown: ${(err as Error).message}`);
    process.exit(1);
  }
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
