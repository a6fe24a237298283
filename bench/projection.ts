/**
 * `npm run bench -- projection`: the read model's write path alone. The
 * projectTask activity (one synchronous SQLite transaction of prepared
 * statements on Prisma's connection, activities/projectionStatements.ts) is
 * called as the workflows call it: 1,000 tasks, each assigned, acknowledged
 * and reported on three times, in order, 8 tasks at a time. Prints CPU and
 * wall milliseconds per call (a projection runs inside a workflow task's
 * local activity, so its cost is paid on every state change of every task).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createActivities } from '../activities/index.ts';
import type { ProjectTaskInput } from '../activities/types.ts';
import { createPrisma, prepareDatabase } from '../prisma/client.ts';
import { savePlan } from '../services/plans.ts';
import { loadConfig } from '../temporal.config.ts';
import { plan } from './scale/tasks.ts';
import { lat } from './scale/proc.ts';

const TASKS = Number(process.env.BENCH_TASKS) || 1000;
const LANES = 8;
const KINDS = ['ASSIGNED', 'ACKNOWLEDGED', 'PROGRESS_REPORTED', 'PROGRESS_REPORTED', 'PROGRESS_REPORTED'];

const orderOf = (historyLength: number) =>
  [1, historyLength, 0].map((n, i) => String(n).padStart(i === 1 ? 10 : 15, '0')).join('.');

export async function run(): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duban-bench-projection-'));
  const config = loadConfig({ DATA_DIR: dir, DUBAN_DEMO: '0' });
  await prepareDatabase(config.databaseUrl);
  const prisma = createPrisma(config.databaseUrl);
  try {
    const saved = await savePlan(prisma, plan(TASKS, '2026-06-30'), { text: '…', format: 'txt' });
    const project = createActivities({ prisma, config }).projectTask;
    const author = await prisma.user.create({
      data: { username: 'bench-author', displayName: '联络员', role: 'DEPARTMENT', passwordHash: 'x' },
    });
    const input = (i: number, step: number): ProjectTaskInput => {
      const t = saved.tasks[i]!;
      const seq = step + 1;
      const kind = KINDS[step]!;
      return {
        task: {
          taskId: t.id,
          planId: saved.planId,
          title: t.title,
          status: step === 0 ? 'ASSIGNED' : 'IN_PROGRESS',
          leadDepartmentId: t.leadDepartmentId,
          cooperatingDepartmentIds: t.cooperatingDepartmentIds,
          dueDate: t.dueDate,
          assignedOn: '2026-04-01',
          acknowledgedOn: step >= 1 ? '2026-04-02' : null,
          progress: Math.max(0, step - 1) * 30,
          escalationLevel: 0,
          pendingExtension: null,
          pendingClosure: null,
          seq,
          health: 'GREEN',
          milestones: [],
          attempt: seq * 6,
          order: orderOf(seq * 6),
        },
        event: { id: `${t.id}:${seq}`, at: new Date(Date.UTC(2026, 3, 1, seq)).toISOString(), kind },
        extra:
          kind === 'PROGRESS_REPORTED'
            ? {
                report: {
                  id: `${t.id}-r${step}`,
                  kind: 'REPORT',
                  departmentId: t.leadDepartmentId!,
                  authorId: author.id,
                  progress: (step - 1) * 30,
                  narrative: `第${step - 1}次进展：按计划推进，已完成阶段性工作。`,
                  actuals: [],
                },
              }
            : {},
      };
    };
    const calls: number[] = [];
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: LANES }, async () => {
        for (let i = next++; i < TASKS; i = next++) {
          for (let step = 0; step < KINDS.length; step++) {
            const s = performance.now();
            await project(input(i, step));
            calls.push(performance.now() - s);
          }
        }
      }),
    );
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const events = await prisma.taskEvent.count();
    if (events < TASKS * KINDS.length) throw new Error(`only ${events} events projected of ${TASKS * KINDS.length}`);
    return {
      tasks: TASKS,
      calls: calls.length,
      wallMs: Math.round(wallMs),
      callsPerSecond: Math.round((calls.length / wallMs) * 1000),
      cpuMsPerCall: Number(((cpu.user + cpu.system) / 1000 / calls.length).toFixed(2)),
      callMs: lat(calls),
      dbFileMb: Number((fs.statSync(path.join(dir, 'duban.db')).size / 1e6).toFixed(1)),
    };
  } finally {
    await prisma.$disconnect();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
