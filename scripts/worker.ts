/** The Temporal worker: runs workflows/ (bundled, deterministic) and activities/ (all I/O). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Connection } from '@temporalio/client';
import type { PrismaClient } from '../prisma/client.ts';
import type { DubanConfig } from '../temporal.config.ts';
import { createActivities } from '../activities/index.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const WORKFLOWS_PATH = path.join(root, 'workflows', 'index.ts');

export interface RunningWorker {
  worker: Worker;
  stop(): Promise<void>;
}

export function workerOptions(config: DubanConfig, prisma: PrismaClient): Omit<WorkerOptions, 'connection'> {
  return {
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowsPath: WORKFLOWS_PATH,
    activities: createActivities({ prisma, config }),
    ...config.temporal.worker,
  };
}

export async function startWorker(
  config: DubanConfig,
  client: Connection,
  prisma: PrismaClient,
): Promise<RunningWorker> {
  const address = client.options.address;
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({ connection, ...workerOptions(config, prisma) });
  const running = worker.run();
  return {
    worker,
    stop: async () => {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
