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
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { msToTs } from '@temporalio/common/lib/time.js';
import { createSession } from '../api/auth.ts';
import { savePlan, startPlanSupervision, type SavedPlan } from '../activities/plans.ts';
import type { ParsedPlan } from '../domain/parser/index.ts';
import { createPrisma, type PrismaClient } from '../prisma/client.ts';
import { ENGINE_BIN, freePort } from '../scripts/runtime.ts';
import { workflowBundle } from '../scripts/worker.ts';
import { assignUpdate, taskWorkflowId } from '../workflows/definitions.ts';
import type { ReformTaskInput } from '../workflows/types.ts';
import { TASK_PAGE } from '../web/src/lib/taskDetail.ts';
import { CARD_FIELDS } from '../web/src/lib/tasks.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TASKS = Number(process.env.DUBAN_SCALE_TASKS) || 10_000;
const CHECKPOINTS = [...new Set([1000, 5000, TASKS].filter((n) => n <= TASKS))].sort((a, b) => a - b);
const PHASES = (process.env.DUBAN_SCALE_PHASES || 'durable,skipped').split(',');
const LANES = Number(process.env.DUBAN_SCALE_LANES) || 32;
const DEPARTMENTS = 20;
const TASK_QUEUE = 'duban';
const CLK_TCK = 100;
const DAY = 24 * 3600 * 1000;
const log = (s: string) => process.stderr.write(`[scale] ${s}\n`);
/** DUBAN_SCALE_OUT: the figures so far are written there after every step (a long run that is stopped keeps them). */
const OUT = process.env.DUBAN_SCALE_OUT;
const partial: Record<string, unknown> = {};
const save = (key: string, value: unknown) => {
  partial[key] = value;
  if (OUT) fs.writeFileSync(OUT, `${JSON.stringify(partial, null, 2)}\n`);
};
const round1 = (x: number) => Math.round(x * 10) / 10;

// ---------------------------------------------------------------- /proc

interface ProcSample {
  pid: number;
  cpuMs: number;
  rssMb: number;
  threads: Record<string, number>;
}

function sample(pid: number): ProcSample {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuMs = ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  // CPU per thread name (main thread "node", the SDK's workflow thread, core's tokio threads, libuv pool).
  const threads: Record<string, number> = {};
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const ts = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = ts.slice(ts.indexOf('(') + 1, ts.lastIndexOf(')'));
      const tf = ts.slice(ts.lastIndexOf(')') + 2).split(' ');
      threads[name] = (threads[name] ?? 0) + ((Number(tf[11]) + Number(tf[12])) * 1000) / CLK_TCK;
    } catch {
      // the thread ended
    }
  }
  return { pid, cpuMs, rssMb: rssKb / 1024, threads };
}

function childPidOf(parent: number, cmdPart: string): number | undefined {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(cmdPart)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

const loadavg = () => os.loadavg().map(round1);

/** Processes to watch: the app (worker + API), the engine, and this process (the clients). */
class Meter {
  private last: Record<string, ProcSample> = {};
  constructor(private pids: () => Record<string, number | undefined>) {
    this.reset();
  }
  reset() {
    this.last = this.take();
  }
  private take(): Record<string, ProcSample> {
    const out: Record<string, ProcSample> = {};
    for (const [k, pid] of Object.entries(this.pids())) if (pid) out[k] = sample(pid);
    out.bench = sample(process.pid);
    return out;
  }
  /** CPU used since the last reset (ms and share of one core), RSS now. */
  read(wallMs: number) {
    const now = this.take();
    const cpu: Record<string, number> = {};
    const cpuCores: Record<string, number> = {};
    const rssMb: Record<string, number> = {};
    for (const [k, s] of Object.entries(now)) {
      const d = s.cpuMs - (this.last[k]?.cpuMs ?? 0);
      cpu[k] = Math.round(d);
      cpuCores[k] = Math.round((d / wallMs) * 100) / 100;
      if (k !== 'bench') rssMb[k] = Math.round(s.rssMb);
    }
    const appThreads: Record<string, number> = {};
    if (now.app) {
      for (const [name, ms] of Object.entries(now.app.threads)) {
        const d = ms - (this.last.app?.threads[name] ?? 0);
        if (d >= 100) appThreads[name] = Math.round(d);
      }
    }
    const systemRssMb = (rssMb.app ?? 0) + (rssMb.engine ?? 0);
    const engineShareOfWorker = cpu.app ? Math.round((cpu.engine! / cpu.app) * 100) / 100 : null;
    return { cpuMs: cpu, cpuCores, appThreadsCpuMs: appThreads, rssMb, systemRssMb, engineShareOfWorker };
  }
}

// ---------------------------------------------------------------- the app

interface App {
  child: ChildProcess;
  url: string;
  readyMs: number;
  enginePid: () => number | undefined;
  stop(): Promise<void>;
}

async function startApp(env: Record<string, string>, label: string): Promise<App> {
  const t0 = performance.now();
  const nodeArgs = process.env.DUBAN_SCALE_NODE_ARGS ? process.env.DUBAN_SCALE_NODE_ARGS.split(' ') : [];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(root, 'scripts', 'start.ts')], {
    cwd: root,
    env: { ...process.env, DUBAN_DEMO: '0', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logFile = fs.createWriteStream(path.join(env.DATA_DIR!, `app-${label}.log`), { flags: 'a' });
  child.stdout!.pipe(logFile);
  child.stderr!.pipe(logFile);
  const url = await new Promise<string>((resolve, reject) => {
    let said = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      said += chunk.toString();
      const m = /is running at (http:\/\/\S+?)\/\s/.exec(said);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) =>
      reject(new Error(`the app exited (${code}) before it was ready; see ${logFile.path}`)),
    );
  });
  const readyMs = performance.now() - t0;
  let enginePid: number | undefined;
  return {
    child,
    url,
    readyMs,
    enginePid: () => (enginePid ??= childPidOf(child.pid!, 'duban-temporal')),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function gql(url: string, query: string, token: string, variables?: object): Promise<any> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(`GraphQL: ${body.errors[0]!.message}`);
  return body.data;
}

// ---------------------------------------------------------------- data

function plan(n: number, dueDate: string): ParsedPlan {
  const departments = Array.from({ length: DEPARTMENTS }, (_, i) => `部门${i + 1}`);
  return {
    title: `规模测试方案（${n}项）`,
    issuer: null,
    doc_number: null,
    departments,
    plan_targets: [],
    warnings: [],
    tasks: Array.from({ length: n }, (_, i) => ({
      path: [`${'一二三四五六七八九十'[i % 10]}、第${(i % 10) + 1}部分`, `(${i + 1})任务${i + 1}`],
      title: `第${i + 1}项改革任务`,
      lead: [departments[i % departments.length]!],
      cooperating: [departments[(i + 1) % departments.length]!],
      deadlines: [{ text: `${dueDate}前`, date: dueDate }],
      targets: [],
      recurrence: null,
    })),
  };
}

interface Users {
  office: string;
  /** A session token per department id (its lead user). */
  department: Map<string, string>;
}

async function makeUsers(prisma: PrismaClient): Promise<Users> {
  const office = await prisma.user.create({
    data: { username: 'bench-office', displayName: '办公室', role: 'OFFICE', passwordHash: 'x' },
  });
  const department = new Map<string, string>();
  for (const d of await prisma.department.findMany()) {
    const u = await prisma.user.create({
      data: {
        username: `bench-${d.id}`,
        displayName: d.name,
        role: 'DEPARTMENT',
        departmentId: d.id,
        passwordHash: 'x',
      },
    });
    department.set(d.id, (await createSession(prisma, u.id)).token);
  }
  return { office: (await createSession(prisma, office.id)).token, department };
}

/** Start and assign saved.tasks[from, to) with LANES concurrent clients (what the office's import + 交办 do). */
async function startAndAssign(client: Client, saved: SavedPlan, from: number, to: number): Promise<void> {
  const office = { userId: 'bench-office', role: 'OFFICE' as const };
  let next = from;
  await Promise.all(
    Array.from({ length: LANES }, async () => {
      for (let i = next++; i < to; i = next++) {
        const t = saved.tasks[i]!;
        const input: ReformTaskInput = {
          taskId: t.id,
          planId: saved.planId,
          title: t.title,
          leadDepartmentId: t.leadDepartmentId,
          cooperatingDepartmentIds: t.cooperatingDepartmentIds,
          dueDate: t.dueDate,
          milestones: t.milestones,
          indicators: t.indicators,
        };
        const handle = await client.workflow.start('reformTask', {
          taskQueue: TASK_QUEUE,
          workflowId: taskWorkflowId(t.id),
          args: [input],
        });
        await handle.executeUpdate(assignUpdate, { args: [{ actor: office, leadDepartmentId: t.leadDepartmentId! }] });
      }
    }),
  );
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return round1(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN);
};
const lat = (xs: number[]) => ({ p50: pct(xs, 50), p95: pct(xs, 95), n: xs.length });

const boardQuery = `query ($filter: TaskFilter) {
  plans { id title }
  departments { id name }
  tasks(filter: $filter, first: 500) { edges { node { ${CARD_FIELDS} } } pageInfo { hasNextPage endCursor } }
}`;
const dashboardQuery = `query ($plan: ID) {
  dashboard(planId: $plan) {
    departments { name department { id } total green yellow red draft assigned inProgress closureRequested closed }
    overdue { ${CARD_FIELDS} }
    ranking { rank score onTimeRate department { name } }
    latestRound { label }
  }
}`;
const reportMutation = `mutation ($taskId: ID!, $progress: Int!) {
  submitProgressReport(taskId: $taskId, progress: $progress, narrative: "按计划推进") {
    ... on DubanError { code message } ... on MutationSubmitProgressReportSuccess { data { taskId status } }
  }
}`;
const ackMutation = `mutation ($taskId: ID!) {
  acknowledgeTask(taskId: $taskId) { ... on DubanError { code message } ... on MutationAcknowledgeTaskSuccess { data { taskId status } } }
}`;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const s = performance.now();
  await fn();
  return performance.now() - s;
}

/** One client: the board (a department's page of cards, as the office filters it) and the dashboard. */
async function singleClient(url: string, users: Users, saved: SavedPlan, requests: number) {
  const depts = [...users.department.keys()];
  const board: number[] = [];
  const boardAll: number[] = [];
  const dashboard: number[] = [];
  for (let i = 0; i < requests; i++) {
    const filter = { departmentId: depts[i % depts.length] };
    board.push(await timed(() => gql(url, boardQuery, users.office, { filter })));
  }
  for (let i = 0; i < Math.max(10, requests / 5); i++) {
    boardAll.push(await timed(() => gql(url, boardQuery, users.office, { filter: {} })));
  }
  for (let i = 0; i < requests; i++) {
    dashboard.push(await timed(() => gql(url, dashboardQuery, users.office, { plan: saved.planId })));
  }
  return { boardDepartmentPage500: lat(board), boardFirstPage500: lat(boardAll), dashboard: lat(dashboard) };
}

/** 20 clients, mixed: board, task detail (the page's query and its pending notices), dashboard, report submit. */
async function mixedClients(url: string, users: Users, saved: SavedPlan, durationMs: number, clients = 20) {
  const kinds = ['board', 'taskDetail', 'dashboard', 'report'] as const;
  const times: Record<(typeof kinds)[number], number[]> = { board: [], taskDetail: [], dashboard: [], report: [] };
  const all: number[] = [];
  let errors = 0;
  const firstError: string[] = [];
  const depts = [...users.department.keys()];
  const until = performance.now() + durationMs;
  let seq = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let k = c; performance.now() < until; k++) {
        const kind = kinds[k % kinds.length]!;
        const t = saved.tasks[(seq++ * 7919) % saved.tasks.length]!;
        const run = async () => {
          if (kind === 'board')
            await gql(url, boardQuery, users.office, { filter: { departmentId: depts[k % DEPARTMENTS] } });
          else if (kind === 'dashboard') await gql(url, dashboardQuery, users.office, { plan: saved.planId });
          else if (kind === 'taskDetail') await gql(url, TASK_PAGE, users.office, { id: t.id });
          else {
            const d = await gql(url, reportMutation, users.department.get(t.leadDepartmentId!)!, {
              taskId: t.id,
              progress: 10 + (k % 80),
            });
            if (d.submitProgressReport.code) throw new Error(d.submitProgressReport.message);
          }
        };
        const s = performance.now();
        try {
          await run();
        } catch (err) {
          errors++;
          if (firstError.length < 3) firstError.push(`${kind}: ${(err as Error).message}`);
        }
        const ms = performance.now() - s;
        times[kind].push(ms);
        all.push(ms);
      }
    }),
  );
  const wall = performance.now() - started;
  return {
    clients,
    requests: all.length,
    requestsPerSecond: Math.round((all.length / wall) * 1000),
    p95Ms: pct(all, 95),
    byKind: Object.fromEntries(kinds.map((k) => [k, lat(times[k])])),
    errors,
    firstErrors: firstError,
  };
}

/** The cost of an eviction: replaying task histories (what the worker does for a task no longer cached). */
async function evictionCost(client: Client, saved: SavedPlan, count = 20) {
  const ids = Array.from({ length: count }, (_, i) => saved.tasks[(i * 499) % saved.tasks.length]!.id);
  const histories = [];
  for (const id of ids) histories.push(await client.workflow.getHandle(taskWorkflowId(id)).fetchHistory());
  const events = histories.map((h) => h.events?.length ?? 0);
  const bytes = histories.map((h) => JSON.stringify(h).length);
  const bundle = await workflowBundle();
  // Warm the sandbox once, then time each replay alone.
  await Worker.runReplayHistory({ workflowBundle: bundle }, histories[0]!, 'warm');
  const ms: number[] = [];
  for (const [i, h] of histories.entries()) {
    const s = performance.now();
    await Worker.runReplayHistory({ workflowBundle: bundle }, h, `task-${ids[i]}`);
    ms.push(performance.now() - s);
  }
  return { histories: count, eventsMedian: pct(events, 50), historyJsonBytesMedian: pct(bytes, 50), replayMs: lat(ms) };
}

async function waitFor(what: string, timeoutMs: number, fn: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** All started and assigned tasks projected as ASSIGNED (the command returned after its projection). */
const assignedCount = (prisma: PrismaClient) =>
  prisma.task.count({ where: { status: { in: ['ASSIGNED', 'IN_PROGRESS'] } } });

// ---------------------------------------------------------------- phases

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
    const meter = new Meter(() => ({ app: app.child.pid, engine: app.enginePid() }));
    meter.reset();
    const checkpoints: Record<string, unknown>[] = [];
    let done = 0;
    let assignMs = 0;
    for (const n of CHECKPOINTS) {
      meter.reset();
      const t0 = performance.now();
      await startAndAssign(client, saved, done, n);
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

function startTestEngine(port: number, initialTime: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [ENGINE_BIN, String(port), '--initial-time', initialTime], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let said = '';
    child.stderr!.on('data', (c: Buffer) => {
      said += c.toString();
      if (/listening on/.test(said)) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`test engine exited (${code}): ${said.slice(-500)}`)));
  });
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
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  try {
    const p = plan(TASKS, '2026-05-01');
    const saved = await savePlan(prisma, p, { text: '…', format: 'txt' });
    await startPlanSupervision(client, TASK_QUEUE, saved.planId, p.title!);
    const meter = new Meter(() => ({ app: app.child.pid, engine: engine.pid }));
    const t0 = performance.now();
    await startAndAssign(client, saved, 0, TASKS);
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
