/**
 * The whole app for browser tests, from the same pieces `npm start` uses
 * (database, embedded engine, worker, API + board, change feed), on a fresh
 * data dir. Seeds one user per role (no demo plan: the story imports its own)
 * and, optionally, a read-only plan of N tasks for the board's speed check.
 *
 * Run directly (`tsx tests/e2e/app.ts`) it prints `[e2e] READY <url>` and
 * serves until SIGTERM; the browser test spawns it that way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../temporal.config.ts';
import { createPrisma, prepareDatabase, type PrismaClient } from '../../prisma/client.ts';
import { startServer } from '../../api/server.ts';
import { hashPassword } from '../../api/auth.ts';
import { connectTemporal, ENGINE_BIN, freePort } from '../../runtime/temporal.ts';
import { buildWebIfStale } from '../../runtime/web.ts';
import { keepHistories } from '../support/histories.ts';
import { startWorker } from '../../runtime/worker.ts';
import { startChangeFeed } from '../../api/feed.ts';
import { createEventBus } from '../../api/events.ts';

export const PASSWORD = 'duban-e2e-pass';

export interface E2eApp {
  url: string;
  dataDir: string;
  /** With `testClock`: the engine's address, whose TestService moves its virtual clock. */
  engineAddress?: string;
  stop(): Promise<void>;
}

/**
 * The embedded engine in its test-server mode (`duban-temporal <port>`): the same
 * engine with a virtual clock that stands still (time skipping locked) until a
 * client calls TestService.UnlockTimeSkippingWithSleep — the browser test's way
 * to move past a deadline.
 */
async function startTestClockEngine(): Promise<{ address: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [ENGINE_BIN, String(port)], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`test engine exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, '127.0.0.1', () => {
        sock.end();
        resolve(true);
      });
      sock.on('error', () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline) throw new Error('test engine did not listen');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    address: `127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
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
    depts.push(
      await prisma.department.create({ data: { name: `测试单位${String(i).padStart(2, '0')}`, sortOrder: 100 + i } }),
    );
  }
  const plan = await prisma.plan.create({
    data: { title: '看板性能测试方案（500 项）', sourceText: '', settings: '{}' },
  });
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

export async function startApp(
  opts: { bulkTasks?: number; port?: number; dataDir?: string; testClock?: boolean; log?: (line: string) => void } = {},
): Promise<E2eApp> {
  const log = opts.log ?? (() => {});
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'duban-e2e-'));
  const engine = opts.testClock ? await startTestClockEngine() : null;
  const config = loadConfig({
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(opts.port ?? 0),
    ENGINE_PORT: '0',
    DUBAN_DEMO: '0',
    ...(engine ? { TEMPORAL_ADDRESS: engine.address } : {}),
  });
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
  const server = await startServer(
    { prisma, config, temporal: temporal.client, events },
    { port: config.port, host: config.host },
  );
  return {
    url: server.url,
    dataDir,
    ...(engine ? { engineAddress: engine.address } : {}),
    stop: async () => {
      feed.stop();
      server.server.closeAllConnections?.();
      await server.close();
      // Every history the board's tests produced is replayed at the end of npm test.
      await keepHistories(temporal.client, `e2e-${path.basename(dataDir)}`).catch((err: unknown) =>
        console.error('[e2e] keeping histories failed:', err),
      );
      await worker.stop().catch(() => undefined);
      await temporal.stop().catch(() => undefined);
      await engine?.stop().catch(() => undefined);
      await prisma.$disconnect();
    },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const app = await startApp({
    bulkTasks: Number(process.env.E2E_BULK_TASKS ?? 0),
    port: Number(process.env.PORT ?? 0),
    ...(process.env.DATA_DIR ? { dataDir: process.env.DATA_DIR } : {}),
    testClock: process.env.E2E_TEST_CLOCK === '1',
    log: (l) => console.log(`[e2e] ${l}`),
  });
  if (app.engineAddress) console.log(`[e2e] ENGINE ${app.engineAddress}`);
  console.log(`[e2e] READY ${app.url}`);
  const stop = () => void app.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
