/**
 * `npm run worker`: the worker alone, against TEMPORAL_ADDRESS — the
 * scale-out path (several workers on a real cluster, one shared read model).
 */
import { Connection } from '@temporalio/client';
import { createPrisma, prepareDatabase } from '../prisma/client.ts';
import { loadConfig } from '../temporal.config.ts';
import { startWorker } from '../runtime/worker.ts';
import { applyHeapGrowth } from '../runtime/memory.ts';

const config = loadConfig();
applyHeapGrowth(config.heapGrowingPercent);
if (!config.temporal.address) {
  console.error(
    '请设置 TEMPORAL_ADDRESS（host:port）。/ Set TEMPORAL_ADDRESS (host:port): `npm start` runs the worker with the embedded engine.',
  );
  process.exit(2);
}
await prepareDatabase(config.databaseUrl);
const prisma = createPrisma(config.databaseUrl);
const connection = await Connection.connect({ address: config.temporal.address });
const worker = await startWorker(config, connection, prisma);
console.log(`[duban] Worker polling "${config.temporal.taskQueue}" on ${config.temporal.address}`);
const stop = async () => {
  await worker.stop();
  await connection.close();
  await prisma.$disconnect();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
