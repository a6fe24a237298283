/**
 * `npm run bench -- api`: 10,000 tasks in the read model; latency of
 * `tasks(first: 50)` filtered by department and health, and of `dashboard`
 * (p50 / p95 over 500 sequential requests each), then throughput with 20
 * concurrent clients. The HTTP server and SQLite are real; Temporal is not
 * needed for reads.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import crypto from 'node:crypto';
import { hashPassword } from '../api/auth.ts';
import { startServer } from '../api/server.ts';
import { createPrisma, prepareDatabase } from '../prisma/client.ts';
import { loadConfig } from '../temporal.config.ts';

/** Ids for rows inserted in bulk. */
const createId = (): string => crypto.randomUUID();

const TASKS = Number(process.env.BENCH_TASKS) || 10_000;
const REQUESTS = 500;
const HEALTH = ['GREEN', 'YELLOW', 'RED'] as const;
const STATUS = ['ASSIGNED', 'IN_PROGRESS', 'CLOSURE_REQUESTED', 'CLOSED'] as const;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 10) / 10;
};

export async function run(): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duban-bench-api-'));
  const config = loadConfig({ DATA_DIR: dir });
  await prepareDatabase(config.databaseUrl);
  const prisma = createPrisma(config.databaseUrl);
  const departments = Array.from({ length: 30 }, (_, i) => ({ id: createId(), name: `单位${i + 1}`, sortOrder: i }));
  await prisma.department.createMany({ data: departments });
  const plan = await prisma.plan.create({ data: { title: '基准方案', sourceText: '…' } });
  const t0 = performance.now();
  const rows = Array.from({ length: TASKS }, (_, i) => ({
    id: createId(),
    planId: plan.id,
    path: `任务 ${i + 1}`,
    sortOrder: i,
    title: `第${i + 1}项改革任务`,
    text: `第${i + 1}项改革任务的具体内容`,
    leadDepartmentId: departments[i % departments.length]!.id,
    status: STATUS[i % STATUS.length]!,
    health: HEALTH[i % HEALTH.length]!,
    dueDate: `2026-${String((i % 12) + 1).padStart(2, '0')}-15`,
  }));
  for (let i = 0; i < rows.length; i += 1000) await prisma.task.createMany({ data: rows.slice(i, i + 1000) });
  await prisma.taskCooperator.createMany({
    data: rows.map((r, i) => ({ taskId: r.id, departmentId: departments[(i + 1) % departments.length]!.id })),
  });
  const seedMs = performance.now() - t0;
  await prisma.user.create({
    data: {
      username: 'office',
      displayName: '办公室',
      role: 'OFFICE',
      passwordHash: await hashPassword('bench-password'),
    },
  });
  const server = await startServer({ prisma, config, temporal: undefined }, { port: 0, host: '127.0.0.1' });
  try {
    const login = await post(
      server.url,
      'mutation { login(username: "office", password: "bench-password") { ... on MutationLoginSuccess { data { token } } } }',
    );
    const token: string = login.data.login.data.token;
    const dept = departments[3]!.id;
    const tasksQuery = `{ tasks(first: 50, filter: { departmentId: "${dept}", health: [RED, YELLOW] }, sort: DUE_DATE) {
      totalCount edges { node { taskId title status health dueDate escalationLevel leadDepartment { name } cooperatingDepartments { name } } } } }`;
    const dashboardQuery = `{ dashboard(planId: "${plan.id}") { departments { name total green yellow red } overdue { taskId title } } }`;
    const check = await post(server.url, tasksQuery, token);
    if (check.errors || check.data.tasks.edges.length === 0)
      throw new Error(`bad query: ${JSON.stringify(check).slice(0, 300)}`);
    const measure = async (query: string) => {
      const times: number[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        const s = performance.now();
        await post(server.url, query, token);
        times.push(performance.now() - s);
      }
      return { p50: pct(times, 50), p95: pct(times, 95) };
    };
    const tasks = await measure(tasksQuery);
    const dashboard = await measure(dashboardQuery);
    const started = performance.now();
    let done = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (done < REQUESTS * 2) {
          done++;
          await post(server.url, tasksQuery, token);
        }
      }),
    );
    const throughput = Math.round((done / (performance.now() - started)) * 1000);
    return {
      tasks: TASKS,
      seedMs: Math.round(seedMs),
      tasksQueryP50Ms: tasks.p50,
      tasksQueryP95Ms: tasks.p95,
      dashboardP50Ms: dashboard.p50,
      dashboardP95Ms: dashboard.p95,
      tasksQueryPerSecond20Clients: throughput,
      totalCountForFilter: check.data.tasks.totalCount,
    };
  } finally {
    await server.close();
    await prisma.$disconnect();
  }
}

async function post(url: string, query: string, token?: string) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as { data?: any; errors?: unknown };
}
