/**
 * Years of life: a task continues as new before its history grows large,
 * carrying its whole state, and keeps answering commands and queries; and
 * recorded histories (tests/fixtures/histories) still replay with today's code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { savePlan } from '../../services/plans.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import * as defs from '../../workflows/definitions.ts';
import type { Actor, ReformTaskInput } from '../../workflows/types.ts';
import {
  freshDatabase,
  seedOrg,
  timeSkippingEnv,
  workflowBundle,
  type Org,
  testPlan,
  runTestWorker,
  type RunningTestWorker,
} from '../support/harness.ts';
import { keepHistories } from '../support/histories.ts';

const TASK_QUEUE = 'duban-longlife';
const HISTORIES = path.join(import.meta.dirname, '..', 'fixtures', 'histories');
let env: TestWorkflowEnvironment;
let prisma: PrismaClient;
let org: Org;
let testWorker: RunningTestWorker;
let taskId: string;
let planId: string;

beforeAll(async () => {
  const db = await freshDatabase();
  prisma = db.prisma;
  org = await seedOrg(prisma, ['县卫健局']);
  const saved = await savePlan(
    prisma,
    testPlan('长期任务', [{ title: '每月报送', lead: '县卫健局', due: '2030-12-31', recurrence: 'monthly' }]),
    { text: '…', format: 'txt' },
  );
  taskId = saved.tasks[0]!.id;
  planId = saved.planId;
  env = await timeSkippingEnv('2026-03-02T08:00:00+08:00');
  testWorker = await runTestWorker(env, TASK_QUEUE, { prisma, config: db.config });
}, 120_000);

afterAll(async () => {
  await testWorker?.stop();
  await keepHistories(env?.client, 'longlife');
  await env?.teardown();
  await prisma?.$disconnect();
});

describe('a task that lives for years', () => {
  it('continues as new when history grows, carrying its state; commands and queries keep working', async () => {
    const office: Actor = { userId: org.office.id, role: 'OFFICE' };
    const dept: Actor = {
      userId: org.departments[0]!.userId,
      role: 'DEPARTMENT',
      departmentId: org.departments[0]!.id,
    };
    const input: ReformTaskInput = { taskId, planId, title: '每月报送', dueDate: '2030-12-31', historyLimit: 60 };
    const handle = await env.client.workflow.start('reformTask', {
      taskQueue: TASK_QUEUE,
      workflowId: defs.taskWorkflowId(taskId),
      args: [input],
    });
    const firstRun = handle.firstExecutionRunId;
    await handle.executeUpdate(defs.assignUpdate, {
      args: [{ actor: office, leadDepartmentId: org.departments[0]!.id }],
    });
    for (let month = 1; month <= 12; month++) {
      await handle.executeUpdate(defs.submitReportUpdate, {
        args: [{ actor: dept, progress: month * 5, narrative: `第${month}次月报` }],
      });
    }
    const desc = await handle.describe();
    expect(desc.runId).not.toBe(firstRun);
    expect(desc.status.name).toBe('RUNNING');
    const state = await handle.query(defs.stateQuery);
    expect(state).toMatchObject({
      status: 'IN_PROGRESS',
      progress: 60,
      dueDate: '2030-12-31',
      leadDepartmentId: org.departments[0]!.id,
    });
    expect(state.seq).toBeGreaterThanOrEqual(14);
    // The history summary survived the new run too: the latest reports, by the department.
    const history = await handle.query(defs.historyQuery);
    expect(history.at(-1)).toMatchObject({
      kind: 'REPORTED',
      by: dept.userId,
      role: 'DEPARTMENT',
      status: 'IN_PROGRESS',
    });
    expect(history.filter((h) => h.kind === 'REPORTED')).toHaveLength(12);
    // Still answering commands after the new run started.
    const ext = await handle.executeUpdate(defs.requestExtensionUpdate, {
      args: [{ actor: dept, requestedDueDate: '2031-06-30', reason: '分期实施' }],
    });
    expect(ext.pendingExtension?.requestedDueDate).toBe('2031-06-30');
    expect(await prisma.progressReport.count({ where: { taskId } })).toBe(12);
    const events = await prisma.taskEvent.findMany({ where: { taskId }, select: { id: true } });
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  it('replays every recorded history in tests/fixtures/histories without non-determinism', async () => {
    const files = fs.readdirSync(HISTORIES).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    const histories = files.map((f) => ({
      workflowId: f.replace(/\.json$/, ''),
      history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORIES, f), 'utf8'))),
    }));
    let replayed = 0;
    for await (const r of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
      expect(r.error, r.workflowId).toBeUndefined();
      replayed++;
    }
    expect(replayed).toBe(files.length);
  });
});
