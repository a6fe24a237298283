// Workflow task failures, activity timeouts/heartbeats, visibility queries and
// replay of engine-produced histories.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { startHarness, uid, type EngineHarness } from './helpers';
import * as wfs from './workflows';

let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundleWithSourceMap;
const taskQueue = 'misc';

let harness: EngineHarness;

beforeAll(async () => {
  harness = await startHarness({
    mode: 'local',
    taskQueue,
    searchAttributes: [
      { name: 'DubanStage', type: 'KEYWORD' },
      { name: 'DubanCount', type: 'INT' },
    ],
  });
  ({ env, workflowBundle } = harness);
});

afterAll(() => harness?.stop());

function eventTypes(h: { events?: { eventType?: unknown }[] | null }): string[] {
  return (h.events ?? []).map((e) => String(e.eventType));
}

describe('misc', () => {
  it('retries a failing workflow task, recording the failure once', async () => {
    const h = await env.client.workflow.start(wfs.failingTask, { taskQueue, workflowId: uid('wftfail') });
    await h.signal(wfs.addSignal, 13);
    await new Promise((r) => setTimeout(r, 1500)); // several failed attempts
    await h.signal(wfs.addSignal, 14);
    expect(await h.result()).toEqual([13, 14]);
    const types = eventTypes(await h.fetchHistory());
    expect(types.filter((t) => t === '9' || t === 'EVENT_TYPE_WORKFLOW_TASK_FAILED').length).toBe(1);
  });

  it('times out activities (start-to-close) after their retries', async () => {
    expect(await env.client.workflow.execute(wfs.activityTimeout, { taskQueue, workflowId: uid('ato') })).toBe(
      'timeout:START_TO_CLOSE:MAXIMUM_ATTEMPTS_REACHED',
    );
  });

  it('delivers activity cancellation through heartbeats', async () => {
    expect(
      await env.client.workflow.execute(wfs.cancelHeartbeatingActivity, { taskQueue, workflowId: uid('hb') }),
    ).toBe('activity cancelled');
  });

  it('lists and counts by search attributes and status', async () => {
    const stage = uid('stage');
    const handles = await Promise.all(
      [0, 1, 2].map((i) =>
        env.client.workflow.start(wfs.searchAttrWorkflow, {
          taskQueue,
          workflowId: `${stage}-${i}`,
          args: [i < 2 ? stage : 'other'],
        }),
      ),
    );
    // Wait until the upserts are applied.
    for (let i = 0; i < 100; i++) {
      const n = await env.client.workflow.count(`DubanStage = '${stage}'`);
      if (n.count === 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await env.client.workflow.count(`DubanStage = '${stage}' AND DubanCount >= 42`)).count).toBe(2);
    expect((await env.client.workflow.count(`DubanStage = '${stage}' AND DubanCount < 42`)).count).toBe(0);
    const ids: string[] = [];
    for await (const w of env.client.workflow.list({
      query: `WorkflowId STARTS_WITH '${stage}' AND (ExecutionStatus = 'Running' OR WorkflowType = 'nope')`,
    }))
      ids.push(w.workflowId);
    expect(ids.sort()).toEqual([0, 1, 2].map((i) => `${stage}-${i}`));
    await handles[0].terminate();
    expect(
      (await env.client.workflow.count(`WorkflowId STARTS_WITH '${stage}' AND ExecutionStatus = 'Terminated'`)).count,
    ).toBe(1);
    expect(
      (
        await env.client.workflow.count(
          `WorkflowType = 'searchAttrWorkflow' AND StartTime > '2000-01-01T00:00:00Z' AND CloseTime IS NULL AND WorkflowId STARTS_WITH '${stage}'`,
        )
      ).count,
    ).toBe(2);
    const err = await env.client.workflow.count('WorkflowId LIKE "x%"').catch((e) => e);
    expect(String(err?.cause?.details ?? err?.cause?.message)).toMatch(/not supported/);
    await Promise.all(handles.slice(1).map((h) => h.terminate()));
  });

  it('replays engine histories without non-determinism', async () => {
    const runs = [
      env.client.workflow
        .execute(wfs.activityWorkflow, { taskQueue, workflowId: uid('r1'), args: ['x'] })
        .then(() => 'r'),
      env.client.workflow.execute(wfs.parentWorkflow, { taskQueue, workflowId: uid('r2'), args: [2] }).then(() => 'r'),
      env.client.workflow.execute(wfs.timerWorkflow, { taskQueue, workflowId: uid('r3'), args: [10] }).then(() => 'r'),
    ];
    await Promise.all(runs);
    const histories = [];
    for await (const h of env.client.workflow.list({ query: `ExecutionStatus = 'Completed'` }).intoHistories())
      histories.push(h);
    expect(histories.length).toBeGreaterThanOrEqual(4);
    let n = 0;
    for await (const r of Worker.runReplayHistories({ workflowBundle, replayName: 'engine' }, histories)) {
      expect(r.error).toBeUndefined();
      n++;
    }
    expect(n).toBe(histories.length);
  });

  it('rejects a completion that races a signal (UNHANDLED_COMMAND) so no signal is lost', async () => {
    const h = await env.client.workflow.start(wfs.completeRacingSignal, { taskQueue, workflowId: uid('race') });
    await new Promise((r) => setTimeout(r, 300)); // the first task is running its local activity
    await h.signal(wfs.addSignal, 5);
    expect(await h.result()).toEqual([5]);
    const types = eventTypes(await h.fetchHistory());
    expect(types.filter((t) => t === '26' || t === 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED').length).toBe(1);
  });

  it('times out an activity that stops heartbeating', async () => {
    expect(
      await env.client.workflow.execute(wfs.heartbeatTimeoutWorkflow, { taskQueue, workflowId: uid('hbto') }),
    ).toBe('timeout:HEARTBEAT');
  });

  it('applies the parent close policy to children', async () => {
    const childId = uid('child');
    const parent = await env.client.workflow.start(wfs.parentOfForever, {
      taskQueue,
      workflowId: uid('pcp'),
      args: [childId],
    });
    const child = env.client.workflow.getHandle(childId);
    for (let i = 0; i < 100; i++) {
      if ((await child.describe().catch(() => undefined))?.status.name === 'RUNNING') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await parent.terminate('stop');
    expect((await child.describe()).status.name).toBe('TERMINATED');
  });

  it('pages through list results', async () => {
    const prefix = uid('page');
    const hs = await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        env.client.workflow.start(wfs.waitForever, { taskQueue, workflowId: `${prefix}-${i}` }),
      ),
    );
    const seen: string[] = [];
    for await (const w of env.client.workflow.list({ query: `WorkflowId STARTS_WITH '${prefix}'`, pageSize: 2 }))
      seen.push(w.workflowId);
    expect(seen.sort()).toEqual(hs.map((h) => h.workflowId).sort());
    await Promise.all(hs.map((h) => h.terminate()));
  });
});
