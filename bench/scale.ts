/**
 * `npm run bench -- scale`: the whole system (engine + worker + API) holding
 * DUBAN_SCALE_TASKS open reformTask workflows (default 10,000), run the way
 * `npm start` runs it: scripts/start.ts in a child process, which spawns the
 * embedded engine as its own child, so memory and CPU are read per process
 * from /proc. Figures are taken at checkpoints (1k, 5k, then the full size)
 * in one run and printed as one JSON object.
 *
 * Two phases, because time skipping is a test-server feature (in memory) and
 * a restart needs the durable dev server:
 *
 * - durable: `npm start` as is (embedded engine in dev mode, SQLite). Start
 *   and assign the tasks in segments up to each checkpoint; at each one RSS,
 *   CPU and single-client API latencies. At the full size: 20 concurrent
 *   mixed clients, the cost of an eviction (replay of task histories), then
 *   a restart (SIGTERM, start again): time to ready, first command.
 * - skipped: the engine as a time-skipping test server (TEMPORAL_ADDRESS),
 *   the app against it; the tasks are started and assigned again, then a
 *   quarter of virtual time runs: every notice of the ladder sent and
 *   projected and the plan's supervision round opened and closed.
 *
 * DUBAN_SCALE_PHASES=durable,skipped picks phases; DUBAN_SCALE_NODE_ARGS
 * (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") is passed to the app's node;
 * WORKER_* variables (temporal.config.ts) reach the app unchanged.
 *
 * This file is the entry `bench/run.ts` calls (run()) and the two phases; the
 * parts live in bench/scale/: proc.ts (/proc sampling, percentiles), app.ts
 * (the app and test-engine processes), tasks.ts (plan, users, start and
 * assign, replay cost), load.ts (the API clients).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { savePlan, startPlanSupervision, startReads } from '../services/plans.ts';
import { createPrisma } from '../prisma/client.ts';
import { freePort, testServiceConnection } from '../runtime/temporal.ts';
import { startApp, startTestEngine } from './scale/app.ts';
import { ackMutation, gql, mixedClients, singleClient, timed } from './scale/load.ts';
import { lat, loadavg, Meter } from './scale/proc.ts';
import { assignedCount, evictionCost, makeUsers, plan, startAndAssign, TASK_QUEUE, waitFor } from './scale/tasks.ts';

const TASKS = Number(process.env.DUBAN_SCALE_TASKS) || 10_000;
const CHECKPOINTS = [...new Set([1000, 5000, TASKS].filter((n) => n <= TASKS))].sort((a, b) => a - b);
const PHASES = (process.env.DUBAN_SCALE_PHASES || 'durable,skipped').split(',');
const DAY = 24 * 3600 * 1000;
const log = (s: string) => process.stderr.write(`[scale] ${s}\n`);
/** DUBAN_SCALE_OUT: the figures so far are written there after every step (a long run that is stopped keeps them). */
const OUT = process.env.DUBAN_SCALE_OUT;
const partial: Record<string, unknown> = {};
const save = (key: string, value: unknown) => {
  partial[key] = value;
  if (OUT) fs.writeFileSync(OUT, `${JSON.stringify(partial, null, 2)}\n`);
};

async function durablePhase(): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duban-scale-durable-'));
  const enginePort = await freePort();
  const env = { DATA_DIR: dir, ENGINE_PORT: String(enginePort) };
  log(`durable phase in ${dir}`);
  let app = await startApp(env, 'first');
  const firstReadyMs = app.readyMs;
  const prisma = createPrisma(`file:${path.join(dir, 'duban.db')}`);
  const connection = await Connection.connect({ address: `127.0.0.1:${enginePort}` });
  const client = new Client({ connection });
  try {
    // Due in 60 days (real time): nothing of the ladder fires during the run.
    const due = new Date(Date.now() + 60 * DAY + 8 * 3600 * 1000).toISOString().slice(0, 10);
    const p = plan(TASKS, due);
    const saved = await savePlan(prisma, p, { text: '…', format: 'txt' });
    await startPlanSupervision(client, TASK_QUEUE, saved.planId, p.title!);
    const users = await makeUsers(prisma);
    const reads = await startReads(prisma, saved.planId);
    const meter = new Meter(() => ({ app: app.child.pid, engine: app.enginePid() }));
    meter.reset();
    const checkpoints: Record<string, unknown>[] = [];
    let done = 0;
    let assignMs = 0;
    for (const n of CHECKPOINTS) {
      meter.reset();
      const t0 = performance.now();
      await startAndAssign(client, saved, done, n, reads);
      const ms = performance.now() - t0;
      assignMs += ms;
      const m = meter.read(ms);
      const segment = n - done;
      done = n;
      log(`durable: ${n} started and assigned (${Math.round(ms)} ms for ${segment}); ${JSON.stringify(m)}`);
      if ((await assignedCount(prisma)) < n) throw new Error('projection behind the commands');
      const api = await singleClient(app.url, users, saved, 100);
      const perTask = {
        appCpuMs: Math.round(m.cpuMs.app! / segment),
        engineCpuMs: Math.round(m.cpuMs.engine! / segment),
      };
      checkpoints.push({
        tasks: n,
        cpuMsPerTask: perTask,
        startedAndAssignedMs: Math.round(assignMs),
        segment: { tasks: segment, ms: Math.round(ms), tasksPerSecond: Math.round((segment / ms) * 1000), ...m },
        api,
        loadavg: loadavg(),
      });
      save('durableCheckpoints', checkpoints);
    }
    log('durable: 20 mixed clients');
    meter.reset();
    const mt0 = performance.now();
    const mixed = await mixedClients(app.url, users, saved, Number(process.env.DUBAN_SCALE_MIXED_MS) || 30_000);
    const mixedCpu = meter.read(performance.now() - mt0);
    save('durableMixed', mixed);
    const idle = await (async () => {
      // Idle for a minute (one stuck sweep): what the system costs when nobody does anything.
      meter.reset();
      await new Promise((r) => setTimeout(r, 60_000));
      return meter.read(60_000);
    })();
    save('durableIdle60s', idle);
    log('durable: eviction cost');
    const eviction = await evictionCost(client, saved);
    save('eviction', eviction);

    log('durable: restart');
    // `npm start` migrates with an exclusive lock: nothing else may hold the read model meanwhile.
    await prisma.$disconnect();
    const restartT0 = performance.now();
    await app.stop();
    const stopMs = performance.now() - restartT0;
    app = await startApp(env, 'restart');
    const readyMs = app.readyMs;
    // The first command on a task nobody touched since the restart (not cached: a full replay).
    const t = saved.tasks[Math.floor(TASKS / 2) + 1]!;
    const s = performance.now();
    const ack = await gql(app.url, ackMutation, users.department.get(t.leadDepartmentId!)!, { taskId: t.id });
    const firstCommandMs = performance.now() - s;
    // A refusal (the task moved on meanwhile) still ran the workflow's validator: the replay is measured either way.
    const firstCommandAnswer = ack.acknowledgeTask.code ?? ack.acknowledgeTask.data.status;
    const later: number[] = [];
    for (let i = 0; i < 20; i++) {
      const u = saved.tasks[(i * 353 + 17) % TASKS]!;
      later.push(
        await timed(() => gql(app.url, ackMutation, users.department.get(u.leadDepartmentId!)!, { taskId: u.id })),
      );
    }
    const afterRestart = new Meter(() => ({ app: app.child.pid, engine: app.enginePid() })).read(1);
    return {
      tasks: TASKS,
      firstStartReadyMs: Math.round(firstReadyMs),
      startedAndAssignedMs: Math.round(assignMs),
      tasksPerSecond: Math.round((TASKS / assignMs) * 1000),
      checkpoints,
      mixed: { ...mixed, ...mixedCpu, loadavg: loadavg() },
      idle60s: idle,
      eviction,
      restart: {
        stopMs: Math.round(stopMs),
        readyMs: Math.round(readyMs),
        firstCommandMs: Math.round(firstCommandMs),
        firstCommandAnswer,
        nextCommandsMs: lat(later),
        rssMb: afterRestart.rssMb,
        systemRssMb: afterRestart.systemRssMb,
        loadavg: loadavg(),
      },
    };
  } finally {
    await connection.close().catch(() => undefined);
    await app.stop();
    await prisma.$disconnect();
  }
}

async function skippedPhase(): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duban-scale-skipped-'));
  log(`skipped phase in ${dir}`);
  const port = await freePort();
  const engine = await startTestEngine(port, '2026-04-01T08:00:00+08:00');
  const address = `127.0.0.1:${port}`;
  // The app migrates the database (holding it exclusively meanwhile); the plan is written once it is ready.
  const app = await startApp({ DATA_DIR: dir, TEMPORAL_ADDRESS: address }, 'skipped');
  const prisma = createPrisma(`file:${path.join(dir, 'duban.db')}`);
  const connection = await testServiceConnection(address);
  const client = new Client({ connection });
  try {
    const p = plan(TASKS, '2026-05-01');
    const saved = await savePlan(prisma, p, { text: '…', format: 'txt' });
    await startPlanSupervision(client, TASK_QUEUE, saved.planId, p.title!);
    const meter = new Meter(() => ({ app: app.child.pid, engine: engine.pid }));
    const t0 = performance.now();
    await startAndAssign(client, saved, 0, TASKS, await startReads(prisma, saved.planId));
    const assignMs = performance.now() - t0;
    const assign = meter.read(assignMs);
    log(`skipped: ${TASKS} started and assigned in ${Math.round(assignMs)} ms`);
    save('skippedAssign', { ms: Math.round(assignMs), ...assign });

    // A quarter, then on until the round of the quarter has closed.
    const expected = TASKS * 5; // ack reminder, warning, level 1, 2, 3
    meter.reset();
    const t1 = performance.now();
    const sentNotices = () => prisma.notice.count({ where: { taskId: { not: null }, status: 'SENT' } });
    const progress: { virtualDays: number; wallMs: number; notices: number }[] = [];
    const sleepDays = async (days: number) => {
      await connection.testService!.unlockTimeSkippingWithSleep({ duration: msToTs(days * DAY) });
    };
    let virtualDays = 0;
    for (const step of [30, 30, 31]) {
      await sleepDays(step);
      virtualDays += step;
      progress.push({ virtualDays, wallMs: Math.round(performance.now() - t1), notices: await sentNotices() });
      log(`skipped: day ${virtualDays}, ${progress.at(-1)!.notices} notices`);
      save('skippedProgress', progress);
    }
    await waitFor('every notice projected', 600_000, async () => (await sentNotices()) >= expected);
    const noticesMs = performance.now() - t1;
    let closed = 0;
    while (virtualDays < 150) {
      closed = await prisma.supervisionRound.count({ where: { planId: saved.planId, status: 'CLOSED' } });
      if (closed) break;
      await sleepDays(1);
      virtualDays += 1;
    }
    const quarterMs = performance.now() - t1;
    const quarter = meter.read(quarterMs);
    const notices = await sentNotices();
    const redTasksAtLevel3 = await prisma.task.count({ where: { health: 'RED', escalationLevel: 3 } });
    const rounds = await prisma.supervisionRound.findMany({ where: { planId: saved.planId } });
    return {
      tasks: TASKS,
      startedAndAssignedMs: Math.round(assignMs),
      tasksPerSecond: Math.round((TASKS / assignMs) * 1000),
      assign: { ...assign, loadavg: loadavg() },
      quarterMs: Math.round(quarterMs),
      noticesProjectedMs: Math.round(noticesMs),
      virtualDays,
      notices,
      expectedNotices: expected,
      noticesPerSecond: Math.round((notices / noticesMs) * 1000),
      redTasksAtLevel3,
      rounds: rounds.map((r) => ({ quarter: `${r.year}Q${r.quarter}`, status: r.status })),
      progress,
      quarter: { ...quarter, loadavg: loadavg() },
    };
  } finally {
    await connection.close().catch(() => undefined);
    await app.stop();
    engine.kill('SIGTERM');
    await prisma.$disconnect();
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {
    tasks: TASKS,
    checkpoints: CHECKPOINTS,
    worker: {
      maxCachedWorkflows: process.env.WORKER_MAX_CACHED_WORKFLOWS ?? 'default',
      maxWorkflowTasks: process.env.WORKER_MAX_WORKFLOW_TASKS ?? 'default',
      maxActivities: process.env.WORKER_MAX_ACTIVITIES ?? 'default',
    },
    cpus: os.cpus().length,
    loadavgAtStart: loadavg(),
  };
  save('config', out);
  if (PHASES.includes('durable')) save('durable', (out.durable = await durablePhase()));
  if (PHASES.includes('skipped')) save('skipped', (out.skipped = await skippedPhase()));
  out.loadavgAtEnd = loadavg();
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then(
    (r) => {
      console.log(JSON.stringify(r, null, 2));
      process.exit(0);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
