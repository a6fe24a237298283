// Engine benchmark: runs duban-temporal as a child process (dev mode, SQLite
// durability on) through the launcher, drives it with one real SDK worker and
// client in this process, and reports throughput, CPU share, memory and restart
// time. Run: npx tsx bench/engine.ts   (BENCH_OPEN=n to change the open-workflow count)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createServer } from 'node:net';
import { Worker, Runtime, DefaultLogger, NativeConnection, bundleWorkflowCode } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import * as activities from '../tests/engine/activities';
import * as wfs from '../tests/engine/workflows';

const here = dirname(fileURLToPath(import.meta.url));
const launcher = join(here, '..', 'engine', 'bin', 'duban-temporal');
const CLK_TCK = 100;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as any).port;
      s.close(() => resolve(p));
    });
  });
}

function procStat(pid: number): { cpuMs: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuMs = ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuMs, rssMb: rssKb / 1024 };
}

async function startEngine(port: number, db: string): Promise<{ proc: ChildProcess; ms: number }> {
  const t0 = Date.now();
  // BENCH_NODE_ARGS (e.g. "--cpu-prof") runs the launcher under node with extra flags.
  const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [];
  const proc = spawn(
    nodeArgs.length ? process.execPath : launcher,
    [
      ...(nodeArgs.length ? [...nodeArgs, launcher] : []),
      'server',
      'start-dev',
      '--port',
      String(port),
      '--ip',
      '127.0.0.1',
      '--db-filename',
      db,
      '--headless',
      '--log-level',
      'error',
    ],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  for (;;) {
    try {
      const c = await Connection.connect({ address: `127.0.0.1:${port}`, connectTimeout: 300 });
      await c.close();
      return { proc, ms: Date.now() - t0 };
    } catch {
      if (proc.exitCode !== null) throw new Error('engine exited');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function pool<T>(n: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

export async function run(): Promise<Record<string, number>> {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    /* already installed */
  }
  const dir = mkdtempSync(join(tmpdir(), 'duban-bench-'));
  const db = join(dir, 'engine.db');
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const results: Record<string, number> = {};
  let engine = (await startEngine(port, db)).proc;
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: join(here, '..', 'tests', 'engine', 'workflows.ts'),
    logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } as any,
  });
  const nc = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: nc,
    taskQueue: 'bench',
    workflowBundle,
    activities,
    maxConcurrentWorkflowTaskExecutions: 100,
    maxConcurrentActivityTaskExecutions: 200,
    maxCachedWorkflows: 2000,
    // Two workflow threads: with one, workflow activations cap throughput on 2 cores.
    workflowThreadPoolSize: 2,
    ...(process.env.BENCH_WORKER_OPTS ? JSON.parse(process.env.BENCH_WORKER_OPTS) : {}),
  });
  const running = worker.run();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  try {
    // Warm-up (first workflow loads the bundle into the worker).
    await client.workflow.execute(wfs.activityWorkflow, { taskQueue: 'bench', workflowId: 'warmup', args: ['w'] });

    // 1. One-activity workflows per second, with CPU split.
    const N = Number(process.env.BENCH_WF ?? 1000);
    const eng0 = procStat(engine.pid!).cpuMs;
    const self0 = process.cpuUsage();
    let t0 = Date.now();
    const nclient = new Client({ connection: nc as any });
    await pool(N, 200, (i) =>
      nclient.workflow.execute(wfs.activityWorkflow, { taskQueue: 'bench', workflowId: `wf-${i}`, args: [String(i)] }),
    );
    let secs = (Date.now() - t0) / 1000;
    const engCpu = procStat(engine.pid!).cpuMs - eng0;
    const self = process.cpuUsage(self0);
    const selfCpu = (self.user + self.system) / 1000;
    results.workflowsPerSec = Math.round(N / secs);
    results.engineCpuShare = Math.round((engCpu / (engCpu + selfCpu)) * 1000) / 1000;
    results.engineCpuMsPerWorkflow = Math.round((engCpu / N) * 100) / 100;

    // 2. Signals per second into one workflow.
    const S = Number(process.env.BENCH_SIGNALS ?? 5000);
    const h = await client.workflow.start(wfs.signalCollector, {
      taskQueue: 'bench',
      workflowId: 'signals',
      args: [S],
    });
    // Signals go through the Rust-core connection (NativeConnection): the
    // pure-JS gRPC client saturates this process's main thread first.
    const fastClient = new Client({ connection: nc as any });
    const fh = fastClient.workflow.getHandle('signals');
    const eSig0 = procStat(engine.pid!).cpuMs;
    t0 = Date.now();
    await pool(S, Number(process.env.BENCH_SIGNAL_CONCURRENCY ?? 200), (i) => fh.signal(wfs.addSignal, i));
    secs = (Date.now() - t0) / 1000;
    results.signalsPerSec = Math.round(S / secs);
    results.engineCpuMsPerSignal = Math.round(((procStat(engine.pid!).cpuMs - eSig0) / S) * 1000) / 1000;
    const items = await h.result();
    results.signalsDelivered = items.length;
    results.signalsEndToEndPerSec = Math.round(S / ((Date.now() - t0) / 1000));

    // 3. Open workflows, each blocked on a timer and a signal.
    const OPEN = Number(process.env.BENCH_OPEN ?? 10000);
    t0 = Date.now();
    await pool(OPEN, 200, (i) =>
      client.workflow.start(wfs.blockedOnTimerAndSignal, { taskQueue: 'bench', workflowId: `open-${i}` }),
    );
    results.openStartsPerSec = Math.round(OPEN / ((Date.now() - t0) / 1000));
    // Wait until every first workflow task ran (each workflow now holds a timer).
    for (;;) {
      const n = await client.workflow.count(`WorkflowId STARTS_WITH 'open-' AND ExecutionStatus = 'Running'`);
      const d = await client.workflow.getHandle(`open-${OPEN - 1}`).describe();
      if (n.count === OPEN && !d.raw.pendingWorkflowTask) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    results.openWorkflows = OPEN;
    results.openSetupSec = Math.round((Date.now() - t0) / 100) / 10;
    results.engineRssMbWithOpen = Math.round(procStat(engine.pid!).rssMb);

    // 4. Restart time of the dev engine holding them (kill -9, then listen again).
    worker.shutdown();
    await running;
    if (process.env.BENCH_NODE_ARGS) engine.kill('SIGTERM');
    else engine.kill('SIGKILL');
    await new Promise((r) => engine.once('exit', r));
    const restarted = await startEngine(port, db);
    engine = restarted.proc;
    results.restartMs = restarted.ms;
    results.engineRssMbAfterRestart = Math.round(procStat(engine.pid!).rssMb);
    const n = await client.workflow.count(`WorkflowId STARTS_WITH 'open-' AND ExecutionStatus = 'Running'`);
    results.openAfterRestart = n.count;
  } finally {
    await connection.close().catch(() => undefined);
    if (engine.exitCode === null) {
      engine.kill('SIGKILL');
      await new Promise((r) => engine.once('exit', r));
    }
    await nc.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run().then(
    (r) => {
      console.log(JSON.stringify(r, null, 2));
      process.exit(0);
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
