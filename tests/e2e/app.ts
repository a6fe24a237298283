/**
 * The whole app for browser tests, from the same pieces `npm start` uses
 * (database, embedded engine, worker, API + board, change feed), on a fresh
 * data dir. Seeds one user per role (no demo plan: the story imports its own)
 * and, optionally, a read-only plan of N tasks for the board's speed check.
 *
 * Run directly (`tsx tests/e2e/app.ts`) it prints `[e2e] READY <url>` and
 * serves until SIGTERM; the browser test spawns it that way.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../temporal.config.ts';
import { createPrisma, prepareDatabase, type PrismaClient } from '../../prisma/client.ts';
import { startServer } from '../../api/server.ts';
import { hashPassword } from '../../api/auth.ts';
import { buildWebIfStale, connectTemporal } from '../../scripts/runtime.ts';
import { startWorker } from '../../scripts/worker.ts';
import { startChangeFeed } from '../../api/feed.ts';
import { createEventBus } from '../../api/events.ts';

export const PASSWORD = 'duban-e2e-pass';

export interface E2eApp {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

async function seedUsers(prisma: PrismaClient): Promise<void> {
  const passwordHash = await hashPassword(PASSWORD);
  const users = [
    { username: 'admin', displayName: '系统管理员', role: 'ADMIN' },
    { username: 'office', displayName: '医管委办公室', role: 'OFFICE' },
    { username: 'supervisor', displayName: '分管领导', role: 'SUPERVISOR' },
  ];
  for (const u of users) await prisma.user.create({ data: { ...u, passwordHash } });
}

/** A plan of `count` tasks spread over statuses and lights, written straight to the read model (no workflows). */
async function seedBulkPlan(prisma: PrismaClient, count: number): Promise<void> {
  const depts: { id: string }[] = [];
  for (let i = 1; i <= 12; i++) {
    depts.push(await prisma.department.create({ data: { name: `测试单位${String(i).padStart(2, '0')}`, sortOrder: 100 + i } }));
  }
  const plan = await prisma.plan.create({ data: { title: '看板性能测试方案（500 项）', sourceText: '', settings: '{}' } });
  const statuses = ['DRAFT', 'ASSIGNED', 'IN_PROGRESS', 'IN_PROGRESS', 'CLOSURE_REQUESTED', 'CLOSED'];
  const lights = ['GREEN', 'GREEN', 'YELLOW', 'RED'];
  const rows = Array.from({ length: count }, (_, i) => {
    const status = statuses[i % statuses.length]!;
    return {
      planId: plan.id,
      path: `P-${i + 1}`,
      sortOrder: i,
      title: `第${i + 1}项：推进紧密型县域医共体建设，完善分级诊疗制度`,
      text: '性能测试任务',
      status,
      leadDepartmentId: status === 'DRAFT' ? null : depts[i % depts.length]!.id,
      needsAssignment: status === 'DRAFT',
      health: status === 'CLOSED' || status === 'DRAFT' ? null : lights[i % lights.length]!,
      escalationLevel: i % 4 === 3 ? (i % 3) + 1 : 0,
      dueDate: `2027-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`,
    };
  });
  await prisma.task.createMany({ data: rows });
}

export async function startApp(opts: { bulkTasks?: number; port?: number; dataDir?: string; log?: (line: string) => void } = {}): Promise<E2eApp> {
  const log = opts.log ?? (() => {});
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'duban-e2e-'));
  const config = loadConfig({ ...process.env, DATA_DIR: dataDir, PORT: String(opts.port ?? 0), ENGINE_PORT: '0', DUBAN_DEMO: '0' });
  await buildWebIfStale(log);
  await prepareDatabase(config.databaseUrl);
  const prisma = createPrisma(config.databaseUrl);
  const temporal = await connectTemporal(config, log);
  const worker = await startWorker(config, temporal.connection, prisma);
  if ((await prisma.user.count()) === 0) {
    await seedUsers(prisma);
    if (opts.bulkTasks) await seedBulkPlan(prisma, opts.bulkTasks);
  }
  const events = createEventBus();
  const feed = startChangeFeed(prisma, events, 300);
  const server = await startServer({ prisma, config, temporal: temporal.client, events }, { port: config.port, host: config.host });
  return {
    url: server.url,
    dataDir,
    stop: async () => {
      feed.stop();
      server.server.closeAllConnections?.();
      await server.close();
      await worker.stop().catch(() => undefined);
      await temporal.stop().catch(() => undefined);
      await prisma.$disconnect();
    },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const app = await startApp({
    bulkTasks: Number(process.env.E2E_BULK_TASKS ?? 0),
    port: Number(process.env.PORT ?? 0),
    ...(process.env.DATA_DIR ? { dataDir: process.env.DATA_DIR } : {}),
    log: (l) => console.log(`[e2e] ${l}`),
  });
  console.log(`[e2e] READY ${app.url}`);
  const stop = () => void app.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
