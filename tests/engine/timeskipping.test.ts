// Time-skipping test server mode (TestWorkflowEnvironment.createTimeSkipping).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, Runtime, DefaultLogger } from '@temporalio/worker';
import * as activities from './activities';
import { bundle, launcher, uid } from './helpers';
import * as wfs from './workflows';

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
const taskQueue = 'ts';

beforeAll(async () => {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    /* already installed */
  }
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: launcher } },
  });
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await bundle(),
    activities,
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

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
});
