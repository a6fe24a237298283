// Shared helpers for engine tests.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  DefaultLogger,
  Runtime,
  Worker,
  bundleWorkflowCode,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import * as activities from './activities';

const here = dirname(fileURLToPath(import.meta.url));
// DUBAN_ENGINE_LAUNCHER runs the engine tests against another engine build (before/after figures).
export const launcher = process.env.DUBAN_ENGINE_LAUNCHER ?? join(here, '..', '..', 'engine', 'bin', 'duban-temporal');
export const workflowsPath = join(here, 'workflows.ts');

export async function bundle(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath,
    logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } as any,
  });
}

export function uid(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Quiet SDK logs once per test process (installing twice throws). */
export function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    /* already installed in this process */
  }
}

export interface EngineHarness {
  env: TestWorkflowEnvironment;
  worker: Worker;
  workflowBundle: WorkflowBundleWithSourceMap;
  stop(): Promise<void>;
}

/** The SDK's own test environment on our engine, with one worker running the test workflows. */
export async function startHarness(opts: {
  mode: 'local' | 'timeSkipping';
  taskQueue: string;
  searchAttributes?: { name: string; type: 'KEYWORD' | 'INT' | 'DATETIME' }[];
}): Promise<EngineHarness> {
  quietRuntime();
  const executable = { type: 'existing-path' as const, path: launcher };
  const create = () =>
    opts.mode === 'local'
      ? TestWorkflowEnvironment.createLocal({
          server: { executable, ...(opts.searchAttributes ? { searchAttributes: opts.searchAttributes } : {}) },
        })
      : TestWorkflowEnvironment.createTimeSkipping({ server: { executable } });
  // The SDK gives a server 5 s to listen; on a loaded machine (parallel test
  // files on 2 cores) the engine's start-up can miss that window. Try again.
  let env: TestWorkflowEnvironment | undefined;
  for (let attempt = 1; !env; attempt++) {
    try {
      env = await create();
    } catch (err) {
      if (attempt >= 3 || !/did not start within/.test(String((err as Error)?.message))) throw err;
    }
  }
  const workflowBundle = await bundle();
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: opts.taskQueue,
    workflowBundle,
    activities,
  });
  const running = worker.run();
  return {
    env,
    worker,
    workflowBundle,
    stop: async () => {
      worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}
