/** The Temporal worker: runs workflows/ (bundled, deterministic) and activities/ (all I/O). */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  NativeConnection,
  Worker,
  bundleWorkflowCode,
  type BundleOptions,
  type WorkerOptions,
} from '@temporalio/worker';
import type { Connection } from '@temporalio/client';
import type { PrismaClient } from '../prisma/client.ts';
import type { DubanConfig } from '../temporal.config.ts';
import { createActivities } from '../activities/index.ts';
import { withoutWorkflowStackTraces } from './workflowThreads.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const WORKFLOWS_PATH = path.join(root, 'workflows', 'index.ts');
const BUNDLE_CACHE = path.join(root, 'node_modules', '.cache', 'duban');

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

/**
 * Modules the reusable V8 context evaluates once and shares between workflows
 * (the bundler's `preloadModules`). Without it every workflow evaluates its own
 * copy of every module it imports (the SDK keeps a module cache per workflow):
 * domain/ and the chinese-days data, on every start and every replay, and held
 * again by every cached workflow. domain/ is pure (no I/O, no clock or
 * randomness, nothing per workflow kept between calls), so sharing it is safe;
 * workflows/ keeps its own copy per workflow. WORKER_PRELOAD_DOMAIN=0 turns it
 * off (to measure it).
 */
const PRELOADED_DOMAIN_MODULES = [
  'chinese-days/dist/chinese-days.json',
  ...[
    'types',
    'assessment',
    'evidence',
    'calendar',
    'access',
    'escalation',
    'extension',
    'orders',
    'cadence',
    'health',
    'responsibility',
    'rounds',
  ].map((m) => path.join(root, 'domain', `${m}.ts`)),
];
const preloadModules = (): string[] => (process.env.WORKER_PRELOAD_DOMAIN === '0' ? [] : PRELOADED_DOMAIN_MODULES);

/** How workflows/ is bundled, the one set of options the worker, the tests, the replayer and the simulator use. */
export function bundleOptions(): BundleOptions {
  return {
    workflowsPath: WORKFLOWS_PATH,
    preloadModules: preloadModules(),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } as never,
  };
}

/** Everything the workflow bundle is built from: its sources, the locked dependency versions, the preloaded modules. */
function bundleInputsHash(): string {
  const hash = crypto.createHash('sha256');
  hash.update(JSON.stringify(preloadModules().map((m) => path.relative(root, m))));
  const add = (p: string) => {
    const st = fs.statSync(p, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(p).sort()) add(path.join(p, e));
    } else {
      hash.update(path.relative(root, p));
      hash.update(fs.readFileSync(p));
    }
  };
  for (const p of ['workflows', 'domain', 'activities/types.ts', 'package-lock.json', 'tsconfig.json']) {
    add(path.join(root, p));
  }
  return hash.digest('hex').slice(0, 24);
}

/**
 * The workflow bundle, built once per version of its sources: bundling with
 * webpack takes seconds (tens of them on a busy machine), and a process that
 * was killed should be back as fast as it can.
 */
export async function workflowBundle(): Promise<{ code: string }> {
  const file = path.join(BUNDLE_CACHE, `workflow-bundle-${bundleInputsHash()}.js`);
  try {
    return { code: fs.readFileSync(file, 'utf8') };
  } catch {
    // not built yet
  }
  const { code } = await bundleWorkflowCode(bundleOptions());
  try {
    fs.mkdirSync(BUNDLE_CACHE, { recursive: true });
    for (const old of fs.readdirSync(BUNDLE_CACHE)) {
      if (old.startsWith('workflow-bundle-')) fs.rmSync(path.join(BUNDLE_CACHE, old), { force: true });
    }
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, file);
  } catch {
    // A read-only install just bundles every time.
  }
  return { code };
}

/** Worker.create, with the workflow threads this app runs (runtime/workflowThreads.ts). */
export function createWorker(options: WorkerOptions): Promise<Worker> {
  withoutWorkflowStackTraces();
  return Worker.create(options);
}

export async function startWorker(
  config: DubanConfig,
  client: Connection,
  prisma: PrismaClient,
  bundle?: Promise<{ code: string }>,
): Promise<RunningWorker> {
  const address = client.options.address;
  const [connection, workflowBundleCode] = await Promise.all([
    NativeConnection.connect({ address }),
    bundle ?? workflowBundle(),
  ]);
  const { workflowsPath: _bundled, ...options } = workerOptions(config, prisma);
  const worker = await createWorker({ connection, ...options, workflowBundle: workflowBundleCode });
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
