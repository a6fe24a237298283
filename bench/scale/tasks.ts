// The scale benchmark's data and commands: the synthetic plan, its users, starting and assigning tasks, replay cost.
import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createSession } from '../../api/auth.ts';
import { taskWorkflowInput, type SavedPlan } from '../../services/plans.ts';
import type { StartReads } from '../../workflows/types.ts';
import type { ParsedPlan } from '../../domain/parser/index.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import { workflowBundle } from '../../runtime/worker.ts';
import { assignUpdate, taskWorkflowId } from '../../workflows/definitions.ts';
import { lat, pct } from './proc.ts';

export const LANES = Number(process.env.DUBAN_SCALE_LANES) || 32;
export const DEPARTMENTS = 20;
export const TASK_QUEUE = 'duban';

export function plan(n: number, dueDate: string): ParsedPlan {
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

export interface Users {
  office: string;
  /** A session token per department id (its lead user). */
  department: Map<string, string>;
}

export async function makeUsers(prisma: PrismaClient): Promise<Users> {
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

/**
 * Start and assign saved.tasks[from, to) with LANES concurrent clients (what the office's import + 交办 do),
 * each workflow starting from the reads the importer passes (services/plans.ts startReads).
 */
export async function startAndAssign(
  client: Client,
  saved: SavedPlan,
  from: number,
  to: number,
  reads: StartReads,
): Promise<void> {
  const office = { userId: 'bench-office', role: 'OFFICE' as const };
  let next = from;
  await Promise.all(
    Array.from({ length: LANES }, async () => {
      for (let i = next++; i < to; i = next++) {
        const t = saved.tasks[i]!;
        const input = taskWorkflowInput(saved, t, undefined, reads);
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

/** The cost of an eviction: replaying task histories (what the worker does for a task no longer cached). */
export async function evictionCost(client: Client, saved: SavedPlan, count = 20) {
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

export async function waitFor(what: string, timeoutMs: number, fn: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** All started and assigned tasks projected as ASSIGNED (the command returned after its projection). */
export const assignedCount = (prisma: PrismaClient) =>
  prisma.task.count({ where: { status: { in: ['ASSIGNED', 'IN_PROGRESS'] } } });
