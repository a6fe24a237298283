/**
 * Duban's one runtime configuration: where data lives, the HTTP port, how to
 * reach Temporal (the embedded engine by default, a real cluster when
 * TEMPORAL_ADDRESS is set), task queues, worker tuning, and outgoing mail and
 * webhooks. Every process (start script, worker, API, CLI, tests) reads it from
 * here; environment variables override the defaults.
 */
import path from 'node:path';

export interface DubanConfig {
  /** Directory for the SQLite files (`./data` by default). */
  dataDir: string;
  /** Prisma/SQLite URL of the read model (`file:<dataDir>/duban.db`). */
  databaseUrl: string;
  /** HTTP port of the API and board (0 picks a free port). */
  port: number;
  host: string;
  temporal: {
    /** `host:port` of a Temporal frontend. Unset: start the embedded engine. */
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    /** Embedded engine (engine/): its SQLite file and gRPC port (0 = any free port). */
    engine: { dbFile: string; port: number };
    worker: {
      maxConcurrentActivityTaskExecutions: number;
      maxConcurrentWorkflowTaskExecutions: number;
      maxCachedWorkflows: number;
      /** Threads running workflow code (each with its own reused V8 context). */
      workflowThreadPoolSize: number;
    };
  };
  mail: {
    /** SMTP URL, e.g. smtp://user:pass@host:587. Unset: mail is not sent (in-app notifications still are). */
    smtpUrl: string | undefined;
    from: string;
  };
  /** Public URL of the board, used for links in notices. */
  publicUrl: string | undefined;
  demo: { enabled: boolean; password: string };
  /** V8 heap growth between full collections, percent (runtime/memory.ts); 0 leaves V8's default. */
  heapGrowingPercent: number;
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new Error(`${name} must be a boolean (1/0, true/false), got "${raw}"`);
}

export function loadConfig(env: Env = process.env, cwd = process.cwd()): DubanConfig {
  const dataDir = path.resolve(cwd, env.DATA_DIR || 'data');
  const address = env.TEMPORAL_ADDRESS || undefined;
  if (address !== undefined && !/^[^:\s]+:\d+$/.test(address)) {
    throw new Error(`TEMPORAL_ADDRESS must be host:port, got "${address}"`);
  }
  return {
    dataDir,
    databaseUrl: env.DATABASE_URL || `file:${path.join(dataDir, 'duban.db')}`,
    port: int(env, 'PORT', 3000),
    host: env.HOST || '127.0.0.1',
    temporal: {
      address,
      namespace: env.TEMPORAL_NAMESPACE || 'default',
      taskQueue: env.TEMPORAL_TASK_QUEUE || 'duban',
      engine: {
        dbFile: env.ENGINE_DB_FILE || path.join(dataDir, 'temporal.db'),
        port: int(env, 'ENGINE_PORT', 7233),
      },
      worker: {
        maxConcurrentActivityTaskExecutions: int(env, 'WORKER_MAX_ACTIVITIES', 20),
        maxConcurrentWorkflowTaskExecutions: int(env, 'WORKER_MAX_WORKFLOW_TASKS', 20),
        // The sticky cache is the worker's memory: about 1.4 MB per cached reformTask (measured by
        // bench/scale.ts), so 500 cost ~700 MB. Bounded at 100; a task that is not cached is replayed
        // from its (small, continued-as-new) history, ~50 ms of worker CPU on an idle core.
        maxCachedWorkflows: int(env, 'WORKER_MAX_CACHED_WORKFLOWS', 100),
        workflowThreadPoolSize: int(env, 'WORKER_WORKFLOW_THREADS', 1),
      },
    },
    mail: {
      smtpUrl: env.SMTP_URL || undefined,
      from: env.MAIL_FROM || 'Duban 督办 <duban@localhost>',
    },
    publicUrl: env.PUBLIC_URL || undefined,
    demo: {
      enabled: bool(env, 'DUBAN_DEMO', true),
      password: env.DUBAN_DEMO_PASSWORD || 'duban-demo',
    },
    heapGrowingPercent: int(env, 'DUBAN_HEAP_GROWING_PERCENT', 25),
  };
}
