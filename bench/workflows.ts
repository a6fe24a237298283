/**
 * `npm run bench -- workflows`: 1,000 reformTask workflows (assigned, due in
 * 30 days) on the embedded engine in time-skipping mode with one real worker,
 * real SQLite read model; then a quarter of skipped time in which every
 * notice of the ladder is sent and projected.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';
import { createActivities } from '../activities/index.ts';
import { savePlan, startPlanWorkflows } from '../services/plans.ts';
import type { ParsedPlan } from '../domain/parser/index.ts';
import { createPrisma, prepareDatabase } from '../prisma/client.ts';
import { ENGINE_BIN } from '../runtime/temporal.ts';
import { bundleOptions, createWorker } from '../runtime/worker.ts';
import { loadConfig } from '../temporal.config.ts';
import { assignUpdate, taskWorkflowId } from '../workflows/definitions.ts';

const TASKS = Number(process.env.BENCH_TASKS) || 1000;
const TASK_QUEUE = 'bench-workflows';

const rssMb = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : -1;
};
/** The pid of our child process whose command line mentions `name` (the SDK starts the engine). */
function childPid(name: string): number | undefined {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(name))
        return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

export async function run(): Promise<Record<string, unknown>> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duban-bench-'));
  const config = loadConfig({ DATA_DIR: dir });
  await prepareDatabase(config.databaseUrl);
  const prisma = createPrisma(config.databaseUrl);
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: {
      executable: { type: 'existing-path', path: ENGINE_BIN },
      extraArgs: ['--initial-time', '2026-04-01T08:00:00+08:00'],
    },
  });
  const enginePid = childPid('duban-temporal');
  try {
    const departments = Array.from({ length: 20 }, (_, i) => `部门${i + 1}`);
    const plan: ParsedPlan = {
      title: '基准测试方案',
      issuer: null,
      doc_number: null,
      departments,
      plan_targets: [],
      warnings: [],
      tasks: Array.from({ length: TASKS }, (_, i) => ({
        path: ['一、任务', `(${i + 1})任务${i + 1}`],
        title: `任务${i + 1}`,
        lead: [departments[i % departments.length]!],
        cooperating: [],
        deadlines: [{ text: '2026年5月1日前', date: '2026-05-01' }],
        targets: [],
        recurrence: null,
      })),
    };
    const tSave = performance.now();
    const saved = await savePlan(prisma, plan, { text: '…', format: 'txt' });
    const saveMs = performance.now() - tSave;
    const worker = await createWorker({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowBundle: await bundleWorkflowCode(bundleOptions()),
      activities: createActivities({ prisma, config }),
      maxConcurrentActivityTaskExecutions: 50,
      maxConcurrentWorkflowTaskExecutions: 50,
      maxCachedWorkflows: TASKS + 100,
    });
    return await worker.runUntil(async () => {
      const t0 = performance.now();
      await startPlanWorkflows(env.client, prisma, TASK_QUEUE, saved, plan.title!);
      const office = { userId: 'bench-office', role: 'OFFICE' as const };
      const queue = [...saved.tasks];
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          for (let t = queue.shift(); t; t = queue.shift()) {
            await env.client.workflow
              .getHandle(taskWorkflowId(t.id))
              .executeUpdate(assignUpdate, { args: [{ actor: office, leadDepartmentId: t.leadDepartmentId! }] });
          }
        }),
      );
      const startedAndAssignedMs = performance.now() - t0;
      const t1 = performance.now();
      // A quarter: through the deadline and every level of the ladder.
      await env.sleep(91 * 24 * 3600 * 1000);
      // Let the last notices finish projecting.
      const expected = TASKS * 5; // ack reminder, warning, level 1, 2, 3
      let notices = 0;
      for (let i = 0; i < 600; i++) {
        notices = await prisma.notice.count({ where: { taskId: { not: null } } });
        if (notices >= expected) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      const quarterMs = performance.now() - t1;
      const redTasks = await prisma.task.count({ where: { health: 'RED', escalationLevel: 3 } });
      return {
        tasks: TASKS,
        savePlanMs: Math.round(saveMs),
        startedAndAssignedMs: Math.round(startedAndAssignedMs),
        quarterMs: Math.round(quarterMs),
        notices,
        expectedNotices: expected,
        noticesPerSecond: Math.round((notices / quarterMs) * 1000),
        redTasksAtLevel3: redTasks,
        workerRssMb: Math.round(process.memoryUsage().rss / 1024 / 1024),
        engineRssMb: enginePid ? rssMb(enginePid) : -1,
      };
    });
  } finally {
    await env.teardown();
    await prisma.$disconnect();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then((r) => console.log(JSON.stringify(r)));
}
