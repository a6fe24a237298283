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
    // A killed worker's sticky queue is given up quickly: the next worker gets its tasks in seconds.
    stickyQueueScheduleToStartTimeout: '2 seconds',
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
      // Idempotent: a second stop (or one after the worker began draining by itself) just waits.
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await connection.close().catch(() => undefined);
    },
  };
}
