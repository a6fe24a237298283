/**
 * Kill -9 the worker in the middle of a notification activity, start another:
 * the notice is delivered, every email exactly once, no notification twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.ts';
import { savePlan, startPlanWorkflows, type SavedPlan } from '../../services/plans.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import * as defs from '../../workflows/definitions.ts';
import {
  freshDatabase,
  seedOrg,
  startSmtp,
  timeSkippingEnv,
  workflowBundle,
  type Org,
  testPlan,
} from '../support/harness.ts';
import { keepHistories } from '../support/histories.ts';

const TASK_QUEUE = 'duban-crash';
let env: TestWorkflowEnvironment;
let prisma: PrismaClient;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let org: Org;
let saved: SavedPlan;
let dir: string;
let child: ChildProcess | undefined;

function startCrashingWorker(address: string): Promise<ChildProcess> {
  const proc = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(import.meta.dirname, '..', 'support', 'crash-worker.ts'),
      address,
      dir,
      smtp.url,
      TASK_QUEUE,
      'crash-on-send',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (b: Buffer) => b.toString().includes('READY') && resolve(proc));
    proc.once('exit', (code) => reject(new Error(`crash worker exited early (${code})`)));
  });
}

beforeAll(async () => {
  smtp = await startSmtp();
  const db = await freshDatabase({ SMTP_URL: smtp.url });
  prisma = db.prisma;
  dir = db.dir;
  org = await seedOrg(prisma, ['县卫健局']);
  saved = await savePlan(prisma, testPlan('崩溃测试方案', [{ title: '任务甲', lead: '县卫健局', due: '2026-02-13' }]), {
    text: '…',
    format: 'txt',
  });
  env = await timeSkippingEnv('2026-02-02T08:00:00+08:00');
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await keepHistories(env?.client, 'crash');
  await env?.teardown();
  await smtp?.close();
  await prisma?.$disconnect();
});

describe('a worker killed during a notification', () => {
  it('delivers the notice after restart, each email exactly once', async () => {
    const address = env.connection.options.address;
    child = await startCrashingWorker(address);
    const exited = new Promise<NodeJS.Signals | null>((r) => child!.once('exit', (_c, sig) => r(sig)));
    await startPlanWorkflows(env.client, prisma, TASK_QUEUE, saved, '崩溃测试方案');
    const handle = env.client.workflow.getHandle(defs.taskWorkflowId(saved.tasks[0]!.id));
    await handle.executeUpdate(defs.assignUpdate, {
      args: [{ actor: { userId: org.office.id, role: 'OFFICE' }, leadDepartmentId: org.departments[0]!.id }],
    });
    // 02-04 09:00: the acknowledgement reminder; the worker dies handing the email to SMTP.
    // (With an activity outstanding, time no longer skips: stop just past 09:00.)
    await env.sleep(new Date('2026-02-04T09:00:01+08:00').getTime() - (await env.currentTimeMs()));
    expect(await exited).toBe('SIGKILL');
    expect(smtp.mails).toHaveLength(0);
    const key = (await prisma.delivery.findFirstOrThrow({ where: { channel: 'EMAIL' } })).key;
    expect(await prisma.delivery.findUniqueOrThrow({ where: { key } })).toMatchObject({
      status: 'PENDING',
      attempts: 1,
    });

    // A new worker picks the activity up once its heartbeat timeout (10 s) passes.
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowBundle: await workflowBundle(),
      activities: createActivities({
        prisma,
        config: (await import('../../temporal.config.ts')).loadConfig({ DATA_DIR: dir, SMTP_URL: smtp.url }),
      }),
    });
    await worker.runUntil(async () => {
      await expect.poll(() => smtp.mails.length, { timeout: 40_000, interval: 500 }).toBe(1);
      // Carry on to the warning two days later: the reminder is not sent again.
      await env.sleep(new Date('2026-02-06T09:30:00+08:00').getTime() - (await env.currentTimeMs()));
      await expect.poll(() => smtp.mails.length, { timeout: 20_000 }).toBe(2);
    });
    expect(smtp.mails.map((m) => m.subject.match(/【督办·(.+?)】/)?.[1])).toEqual(['签收提醒', '到期预警']);
    expect(smtp.mails.every((m) => m.to.join() === 'dept1@example.gov')).toBe(true);
    expect(await prisma.delivery.findUniqueOrThrow({ where: { key } })).toMatchObject({ status: 'SENT', attempts: 2 });
    expect(await prisma.notification.count({ where: { userId: org.departments[0]!.userId } })).toBe(2);
    expect(await prisma.notice.count()).toBe(2);
  });
});
