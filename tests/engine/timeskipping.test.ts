// Time-skipping test server mode (TestWorkflowEnvironment.createTimeSkipping).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { startHarness, uid, type EngineHarness } from './helpers';
import * as wfs from './workflows';

let env: TestWorkflowEnvironment;
const taskQueue = 'ts';

let harness: EngineHarness;

beforeAll(async () => {
  harness = await startHarness({ mode: 'timeSkipping', taskQueue });
  ({ env } = harness);
});

afterAll(() => harness?.stop());

describe('time skipping', () => {
  it('resolves a 1-year timer in well under a second and moves workflow time', async () => {
    const t0 = Date.now();
    const elapsed = await env.client.workflow.execute(wfs.yearTimer, { taskQueue, workflowId: uid('year') });
    expect(elapsed).toBeGreaterThanOrEqual(365 * 24 * 3600 * 1000);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('env.sleep advances server time and fires timers', async () => {
    const h = await env.client.workflow.start(wfs.blockedOnTimerAndSignal, { taskQueue, workflowId: uid('sleep') });
    const before = await env.currentTimeMs();
    await env.sleep('2 days');
    const after = await env.currentTimeMs();
    expect(after - before).toBeGreaterThanOrEqual(2 * 24 * 3600 * 1000);
    expect(await h.result()).toBe('timer');
  });

  it('does not skip time while an activity runs', async () => {
    expect(
      await env.client.workflow.execute(wfs.activityWorkflow, { taskQueue, workflowId: uid('act'), args: ['ts'] }),
    ).toBe('hello ts');
    expect(
      await env.client.workflow.execute(wfs.retryWorkflow, { taskQueue, workflowId: uid('retry'), args: [2] }),
    ).toBe('ok after 3');
  });

  it('skips time while an activity sleeps through env.sleep() (the SDK-documented way to delay an activity)', async () => {
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'ts-activity-sleep',
      workflowBundle: harness.workflowBundle,
      activities: { sleepInVirtualTime: (ms: number) => env.sleep(ms) },
    });
    const t0 = Date.now();
    await worker.runUntil(async () => {
      for (const winner of ['activity', 'timer'] as const)
        expect(
          await env.client.workflow.execute(wfs.raceActivityAndTimer, {
            taskQueue: 'ts-activity-sleep',
            workflowId: uid('race'),
            args: [winner],
          }),
        ).toBe(winner);
    });
    expect(Date.now() - t0).toBeLessThan(15_000);
  }, 30_000);
});
