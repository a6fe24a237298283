// Core semantics through the real SDK against a dev-mode (createLocal) engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  WorkflowFailedError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateFailedError,
  WithStartWorkflowOperation,
  WorkflowUpdateStage,
} from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { startHarness, uid, type EngineHarness } from './helpers';
import * as wfs from './workflows';

let env: TestWorkflowEnvironment;
const taskQueue = 'core';

let harness: EngineHarness;

beforeAll(async () => {
  harness = await startHarness({ mode: 'local', taskQueue });
  ({ env } = harness);
});

afterAll(() => harness?.stop());

describe('core', () => {
  it('runs an activity workflow', async () => {
    const r = await env.client.workflow.execute(wfs.activityWorkflow, {
      taskQueue,
      workflowId: uid('act'),
      args: ['duban'],
    });
    expect(r).toBe('hello duban');
  });

  it('retries activities and honours non-retryable types', async () => {
    expect(
      await env.client.workflow.execute(wfs.retryWorkflow, { taskQueue, workflowId: uid('retry'), args: [2] }),
    ).toBe('ok after 3');
    expect(await env.client.workflow.execute(wfs.nonRetryableWorkflow, { taskQueue, workflowId: uid('nr') })).toBe(
      'caught:Fatal:NON_RETRYABLE_FAILURE',
    );
  });

  it('fires timers', async () => {
    const r = await env.client.workflow.execute(wfs.timerWorkflow, {
      taskQueue,
      workflowId: uid('timer'),
      args: [300],
    });
    expect(r.after - r.before).toBeGreaterThanOrEqual(300);
  });

  it('rejects a duplicate workflow id and is idempotent', async () => {
    const workflowId = uid('dup');
    const h = await env.client.workflow.start(wfs.waitForever, { taskQueue, workflowId });
    await expect(env.client.workflow.start(wfs.waitForever, { taskQueue, workflowId })).rejects.toBeInstanceOf(
      WorkflowExecutionAlreadyStartedError,
    );
    await h.terminate('done');
    const d = await h.describe();
    expect(d.status.name).toBe('TERMINATED');
    await expect(h.result()).rejects.toBeInstanceOf(WorkflowFailedError);
  });

  it('delivers 1,000 signals once each, in order', async () => {
    const h = await env.client.workflow.start(wfs.signalCollector, { taskQueue, workflowId: uid('sig'), args: [1000] });
    const batch = 50;
    for (let i = 0; i < 1000; i += batch) {
      await Promise.all(Array.from({ length: batch }, (_, j) => j + i).map((n) => h.signal(wfs.addSignal, n)));
    }
    const items = await h.result();
    expect(items.length).toBe(1000);
    expect(new Set(items).size).toBe(1000);
  });

  it('keeps per-sender signal order', async () => {
    const h = await env.client.workflow.start(wfs.signalCollector, { taskQueue, workflowId: uid('sigo'), args: [200] });
    for (let i = 0; i < 200; i++) await h.signal(wfs.addSignal, i);
    expect(await h.result()).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('runs 100 concurrent workflows on one worker', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `${uid('many')}-${i}`);
    const res = await Promise.all(
      ids.map((workflowId, i) =>
        env.client.workflow.execute(wfs.activityWorkflow, { taskQueue, workflowId, args: [String(i)] }),
      ),
    );
    expect(res).toEqual(ids.map((_, i) => `hello ${i}`));
  });

  it('answers queries while running and after close', async () => {
    const h = await env.client.workflow.start(wfs.signalCollector, { taskQueue, workflowId: uid('q'), args: [3] });
    await h.signal(wfs.addSignal, 7);
    expect(await h.query(wfs.countQuery)).toBe(1);
    await h.signal(wfs.addSignal, 8);
    await h.signal(wfs.addSignal, 9);
    await h.result();
    expect(await h.query(wfs.itemsQuery)).toEqual([7, 8, 9]);
  });

  it('accepts and rejects updates; rejection leaves no events', async () => {
    const h = await env.client.workflow.start(wfs.updatable, { taskQueue, workflowId: uid('upd') });
    expect(await h.executeUpdate(wfs.setValue, { args: [5] })).toBe(0);
    const before = (await h.fetchHistory()).events!.length;
    const err = await h.executeUpdate(wfs.setValue, { args: [-1] }).catch((e) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String(err.cause?.message)).toMatch(/negative/);
    const after = (await h.fetchHistory()).events!.length;
    expect(after).toBe(before);
    expect(await h.executeUpdate(wfs.setValue, { args: [9] })).toBe(5);
    expect(await h.query(wfs.getValue)).toBe(9);
    await h.signal(wfs.finish);
    expect(await h.result()).toBe(9);
    const types = (await h.fetchHistory()).events!.map((e) => String(e.eventType));
    expect(types.filter((t) => t.includes('UPDATE_ACCEPTED') || t === '41').length).toBe(2);
  });

  it('cancels a workflow', async () => {
    const h = await env.client.workflow.start(wfs.cancellableTimer, { taskQueue, workflowId: uid('cancel') });
    await h.query(wfs.countQuery).catch(() => undefined); // make sure the first task ran
    await h.cancel();
    expect(await h.result()).toBe('cancelled');
  });

  it('runs child workflows', async () => {
    expect(
      await env.client.workflow.execute(wfs.parentWorkflow, { taskQueue, workflowId: uid('parent'), args: [3] }),
    ).toBe(12);
  });

  it('continues as new', async () => {
    const workflowId = uid('can');
    const h = await env.client.workflow.start(wfs.continueAsNewWorkflow, { taskQueue, workflowId, args: [3, 0] });
    expect(await h.result()).toBe(6);
    const d = await env.client.workflow.getHandle(workflowId).describe();
    expect(d.status.name).toBe('COMPLETED');
    expect(d.runId).not.toBe(h.firstExecutionRunId);
  });

  it('signal-with-start starts once, then signals the running workflow', async () => {
    const workflowId = uid('sws');
    const opts = { taskQueue, workflowId, args: [2] as [number], signal: wfs.addSignal, signalArgs: [1] as [number] };
    const h1 = await env.client.workflow.signalWithStart(wfs.signalCollector, opts);
    const h2 = await env.client.workflow.signalWithStart(wfs.signalCollector, { ...opts, signalArgs: [2] });
    expect(h2.signaledRunId).toBe(h1.signaledRunId);
    expect(await h1.result()).toEqual([1, 2]);
  });

  it('returns the running execution with USE_EXISTING', async () => {
    const workflowId = uid('use');
    const h1 = await env.client.workflow.start(wfs.waitForever, { taskQueue, workflowId });
    const h2 = await env.client.workflow.start(wfs.waitForever, {
      taskQueue,
      workflowId,
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    expect(h2.firstExecutionRunId).toBe(h1.firstExecutionRunId);
    await h1.terminate();
  });

  it('times out a workflow run', async () => {
    const h = await env.client.workflow.start(wfs.waitForever, {
      taskQueue,
      workflowId: uid('rto'),
      workflowRunTimeout: '1s',
    });
    const err = await h.result().catch((e) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((await h.describe()).status.name).toBe('TIMED_OUT');
  });

  it('deduplicates updates by id', async () => {
    const h = await env.client.workflow.start(wfs.updatable, { taskQueue, workflowId: uid('updid') });
    expect(await h.executeUpdate(wfs.setValue, { args: [3], updateId: 'same' })).toBe(0);
    expect(await h.executeUpdate(wfs.setValue, { args: [4], updateId: 'same' })).toBe(0);
    expect(await h.query(wfs.getValue)).toBe(3);
    await h.signal(wfs.finish);
    expect(await h.result()).toBe(3);
  });

  it('supports update-with-start', async () => {
    const workflowId = uid('uws');
    const op1 = new WithStartWorkflowOperation(wfs.updatable, {
      workflowId,
      taskQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    expect(
      await env.client.workflow.executeUpdateWithStart(wfs.setValue, { args: [7], startWorkflowOperation: op1 }),
    ).toBe(0);
    const op2 = new WithStartWorkflowOperation(wfs.updatable, {
      workflowId,
      taskQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    expect(
      await env.client.workflow.executeUpdateWithStart(wfs.setValue, { args: [8], startWorkflowOperation: op2 }),
    ).toBe(7);
    const h = await op1.workflowHandle();
    await h.signal(wfs.finish);
    expect(await h.result()).toBe(8);
  });

  it('signals and cancels external workflows', async () => {
    const target = await env.client.workflow.start(wfs.signalCollector, {
      taskQueue,
      workflowId: uid('ext-t'),
      args: [1],
    });
    const victim = await env.client.workflow.start(wfs.cancellableTimer, { taskQueue, workflowId: uid('ext-c') });
    const r = await env.client.workflow.execute(wfs.externalSignaller, {
      taskQueue,
      workflowId: uid('ext'),
      args: [target.workflowId, victim.workflowId],
    });
    expect(r).toMatch(/missing target rejected/);
    expect(await target.result()).toEqual([99]);
    expect(await victim.result()).toBe('cancelled');
  });

  it('runs local activities and patches (markers)', async () => {
    const h = await env.client.workflow.start(wfs.localActivityWorkflow, { taskQueue, workflowId: uid('la') });
    expect(await h.result()).toBe('hello local (patched)');
    const types = (await h.fetchHistory()).events!.map((e) => String(e.eventType));
    expect(types.filter((t) => t === '25' || t === 'EVENT_TYPE_MARKER_RECORDED').length).toBe(2);
  });

  it('waits for update acceptance, then polls for the outcome', async () => {
    const h = await env.client.workflow.start(wfs.updatable, { taskQueue, workflowId: uid('upd-acc') });
    const uh = await h.startUpdate(wfs.setValue, { args: [11], waitForStage: WorkflowUpdateStage.ACCEPTED });
    expect(await uh.result()).toBe(0);
    const again = h.getUpdateHandle<number>(uh.updateId);
    expect(await again.result()).toBe(0);
    await h.signal(wfs.finish);
    expect(await h.result()).toBe(11);
  });

  it('records typed search attributes and memo at start', async () => {
    const key = defineSearchAttributeKey('DubanOwner', SearchAttributeType.KEYWORD);
    const h = await env.client.workflow.start(wfs.waitForever, {
      taskQueue,
      workflowId: uid('sa'),
      typedSearchAttributes: [{ key, value: 'alice' }],
      memo: { note: 'hi' },
    });
    const d = await h.describe();
    expect(d.typedSearchAttributes.get(key)).toBe('alice');
    expect(d.memo).toEqual({ note: 'hi' });
    expect((await env.client.workflow.count(`DubanOwner = 'alice' AND WorkflowId = '${h.workflowId}'`)).count).toBe(1);
    await h.terminate();
  });

  it('handles 20 concurrent updates on one workflow', async () => {
    const h = await env.client.workflow.start(wfs.updatable, { taskQueue, workflowId: uid('upd-many') });
    const olds = await Promise.all(
      Array.from({ length: 20 }, (_, i) => h.executeUpdate(wfs.setValue, { args: [i + 1] })),
    );
    // Each update saw the value left by exactly one other update (or the initial 0).
    expect(new Set(olds).size).toBe(20);
    const types = (await h.fetchHistory()).events!.map((e) => String(e.eventType));
    expect(types.filter((t) => t === '41' || t === 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED').length).toBe(20);
    expect(types.filter((t) => t === '43' || t === 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED').length).toBe(20);
    await h.signal(wfs.finish);
    await h.result();
  });

  it('retries a failed workflow under its retry policy', async () => {
    const workflowId = uid('wfretry');
    expect(
      await env.client.workflow.execute(wfs.retryingWorkflow, {
        taskQueue,
        workflowId,
        retry: { initialInterval: '10ms', maximumAttempts: 5 },
      }),
    ).toBe(3);
    const err = await env.client.workflow
      .execute(wfs.retryingWorkflow, {
        taskQueue,
        workflowId: uid('wfretry-nr'),
        retry: { initialInterval: '10ms', nonRetryableErrorTypes: ['Flaky'] },
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const noPolicy = await env.client.workflow
      .execute(wfs.retryingWorkflow, { taskQueue, workflowId: uid('wfretry-none') })
      .catch((e) => e);
    expect(noPolicy).toBeInstanceOf(WorkflowFailedError);
  });
});
