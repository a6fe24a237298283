// Server behaviour the Temporal TypeScript SDK's own integration suite checks
// (npm run conformance:sdk); one case per engine fix, so a regression shows
// in `npm test` without running the SDK suite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status as grpcStatus } from '@grpc/grpc-js';
import {
  ActivityNotFoundError,
  Client,
  Connection,
  WithStartWorkflowOperation,
  WorkflowUpdateFailedError,
  isGrpcServiceError,
} from '@temporalio/client';
import {
  ApplicationFailure,
  NamespaceNotFoundError,
  RetryState,
  SearchAttributeType,
  defaultPayloadConverter,
  defineSearchAttributeKey,
} from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { msToTs } from '@temporalio/common/lib/time';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { launcher, startHarness, uid, type EngineHarness } from './helpers';
import * as activities from './activities';
import * as wfs from './workflows';

const taskQueue = 'sdk-behaviour';
let harness: EngineHarness;
let env: TestWorkflowEnvironment;
const EventType = temporal.api.enums.v1.EventType;

beforeAll(async () => {
  harness = await startHarness({
    mode: 'local',
    taskQueue,
    searchAttributes: [{ name: 'DubanWhen', type: 'DATETIME' }],
  });
  env = harness.env;
});

afterAll(() => harness?.stop());

async function history(workflowId: string, runId?: string) {
  const res = await env.client.workflowService.getWorkflowExecutionHistory({
    namespace: 'default',
    execution: { workflowId, runId },
  });
  return res.history?.events ?? [];
}

async function eventually<T>(f: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('errors the SDK maps to typed exceptions', () => {
  it('answers an unknown namespace with NOT_FOUND + NamespaceNotFoundFailure', async () => {
    const client = new Client({ connection: env.connection, namespace: 'no-such-namespace' });
    await expect(client.workflow.start(wfs.waitForever, { taskQueue, workflowId: uid('ns') })).rejects.toBeInstanceOf(
      NamespaceNotFoundError,
    );
    // Also for RPCs the engine does not implement: the namespace is checked first.
    await expect(client.schedule.list()[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(NamespaceNotFoundError);
  });

  it('answers a well-formed task token that names no task with NOT_FOUND', async () => {
    // A real Temporal server's token (protobuf), not one this engine issued.
    const foreign = temporal.api.common.v1.WorkflowExecution.encode({ workflowId: 'x', runId: 'y' }).finish();
    await expect(env.client.activity.complete(foreign, 'ok')).rejects.toBeInstanceOf(ActivityNotFoundError);
    await expect(env.client.activity.heartbeat(foreign)).rejects.toBeInstanceOf(ActivityNotFoundError);
  });

  it('rejects a workflow id over 1000 characters with INVALID_ARGUMENT, also in update-with-start', async () => {
    const workflowId = 'x'.repeat(1001);
    const err = await env.client.workflow.start(wfs.waitForever, { taskQueue, workflowId }).catch((e) => e);
    expect(String(err?.cause?.details ?? err?.message)).toMatch(/WorkflowId length/);
    const op = new WithStartWorkflowOperation(wfs.updatable, {
      workflowId,
      taskQueue,
      workflowIdConflictPolicy: 'FAIL',
    });
    const updErr = await env.client.workflow
      .startUpdateWithStart(wfs.setValue, { args: [1], waitForStage: 'ACCEPTED', startWorkflowOperation: op })
      .catch((e) => e);
    expect(isGrpcServiceError(updErr) && updErr.code === grpcStatus.INVALID_ARGUMENT).toBe(true);
    expect(String(updErr.message)).toMatch(/WorkflowId length/);
    await expect(op.workflowHandle()).rejects.toBeTruthy();
  });
});

describe('updates', () => {
  it('delivers an update to a workflow waiting out a start delay at once', async () => {
    const h = await env.client.workflow.start(wfs.updatable, {
      taskQueue,
      workflowId: uid('delayed'),
      startDelay: '10 days',
    });
    const updateId = uid('upd');
    const result = h.executeUpdate(wfs.setValue, { args: [7], updateId });
    // A poll without a wait policy reports the stage reached at once (the SDK
    // suite uses it to see that an update was admitted).
    const t0 = Date.now();
    const polled = await eventually(() =>
      env.client.workflowService
        .pollWorkflowExecutionUpdate({
          namespace: 'default',
          updateRef: { workflowExecution: { workflowId: h.workflowId }, updateId },
        })
        .catch(() => undefined),
    );
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(Number(polled.stage)).toBeGreaterThanOrEqual(1);
    expect(await result).toBe(0);
    await h.signal(wfs.finish);
    expect(await h.result()).toBe(7);
  });

  it('fails an accepted update with AcceptedUpdateCompletedWorkflow when the workflow completes first', async () => {
    const h = await env.client.workflow.start(wfs.unfinishedUpdates, { taskQueue, workflowId: uid('unfinished') });
    const upd = await h.startUpdate(wfs.neverEndingUpdate, { waitForStage: 'ACCEPTED' });
    await h.signal(wfs.finish);
    expect(await h.result()).toBe('done');
    const err = await upd.result().catch((e) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((err.cause as ApplicationFailure).type).toBe('AcceptedUpdateCompletedWorkflow');
    expect(err.cause.message).toMatch(/Workflow completed before the Update completed/);
  });

  it('limits in-flight updates per workflow to 10 (RESOURCE_EXHAUSTED)', async () => {
    const h = await env.client.workflow.start(wfs.unfinishedUpdates, { taskQueue, workflowId: uid('limit') });
    for (let i = 0; i < 10; i++) await h.startUpdate(wfs.neverEndingUpdate, { waitForStage: 'ACCEPTED' });
    // Without the client's retry interceptor (it retries RESOURCE_EXHAUSTED).
    const connection = await Connection.connect({ address: env.address, interceptors: [] });
    try {
      const err = await connection.workflowService
        .updateWorkflowExecution({
          namespace: 'default',
          workflowExecution: { workflowId: h.workflowId },
          waitPolicy: { lifecycleStage: 2 },
          request: {
            meta: { updateId: 'eleventh' },
            input: { name: 'neverEnding', args: { payloads: [] } },
          },
        })
        .catch((e) => e);
      expect(isGrpcServiceError(err) && err.code === grpcStatus.RESOURCE_EXHAUSTED).toBe(true);
    } finally {
      await connection.close();
    }
    await h.terminate();
  });

  it('records a failing speculative workflow task as WorkflowTaskFailed, visible in Describe', async () => {
    const h = await env.client.workflow.start(wfs.unfinishedUpdates, { taskQueue, workflowId: uid('specfail') });
    await h.query(wfs.getValue).catch(() => undefined); // first task done
    await eventually(async () => ((await history(h.workflowId)).length >= 3 ? true : undefined));
    void h.executeUpdate(wfs.crashingUpdate).catch(() => undefined);
    const failed = await eventually(async () =>
      (await history(h.workflowId)).find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED),
    );
    expect(failed.workflowTaskFailedEventAttributes?.failure?.message).toMatch(/update handler crashed/);
    const ids = (await history(h.workflowId)).map((e) => Number(e.eventId));
    expect(ids).toEqual(ids.map((_, i) => i + 1));
    // The task keeps failing: Describe shows it with its attempt count.
    const pending = await eventually(async () => {
      const d = await h.describe();
      const p = d.raw.pendingWorkflowTask;
      return p && Number(p.attempt) >= 3 ? p : undefined;
    }, 15_000);
    expect(Number(pending.attempt)).toBeGreaterThanOrEqual(3);
    await h.terminate();
  }, 30_000);
});

describe('history fields', () => {
  it('keeps user metadata, priority, typed search attributes and root execution like Temporal', async () => {
    const whenKey = defineSearchAttributeKey('DubanWhen', SearchAttributeType.DATETIME);
    const h = await env.client.workflow.start(wfs.userMetadataWorkflow, {
      taskQueue,
      workflowId: uid('meta'),
      staticSummary: 'wf summary',
      staticDetails: 'wf details',
      priority: { priorityKey: 2 },
      // Untyped (no `type` metadata): the engine tags it with the registered type.
      searchAttributes: { DubanWhen: [new Date('2026-01-01T00:00:00Z')] },
    });
    expect(await h.result()).toBe('ok');
    const d = await h.describe();
    expect(await d.staticSummary()).toBe('wf summary');
    expect(await d.staticDetails()).toBe('wf details');
    expect(d.typedSearchAttributes.get(whenKey)).toEqual(new Date('2026-03-01T00:00:00Z'));
    const events = await history(h.workflowId);
    const decode = (p: unknown) => (p ? defaultPayloadConverter.fromPayload(p as never) : undefined);
    const started = events[0];
    expect(decode(started.userMetadata?.summary)).toBe('wf summary');
    expect(started.workflowExecutionStartedEventAttributes?.priority?.priorityKey).toBe(2);
    expect(started.workflowExecutionStartedEventAttributes?.rootWorkflowExecution).toBeFalsy();
    const of = (t: number) => events.find((e) => e.eventType === t);
    expect(decode(of(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)?.userMetadata?.summary)).toBe('activity summary');
    expect(decode(of(EventType.EVENT_TYPE_TIMER_STARTED)?.userMetadata?.summary)).toBe('timer summary');
    const upsert = of(EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES);
    const saPayload = upsert?.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.DubanWhen;
    expect(Buffer.from(saPayload?.metadata?.type ?? []).toString()).toBe('Datetime');
    for (const e of events.filter((x) => x.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED))
      expect(Number(e.workflowTaskStartedEventAttributes?.historySizeBytes)).toBeGreaterThan(0);
    // The child: summary/details from the parent's command, and its root.
    const child = of(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED)
      ?.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    const childEvents = await history(child!.workflowId!, child!.runId!);
    expect(decode(childEvents[0].userMetadata?.summary)).toBe('child summary');
    expect(decode(childEvents[0].userMetadata?.details)).toBe('child details');
    expect(childEvents[0].workflowExecutionStartedEventAttributes?.rootWorkflowExecution?.workflowId).toBe(
      h.workflowId,
    );
  });

  it('closes with retry state TIMEOUT when the execution timeout expires', async () => {
    const err = await env.client.workflow
      .execute(wfs.waitForever, { taskQueue, workflowId: uid('exectimeout'), workflowExecutionTimeout: '1s' })
      .catch((e) => e);
    expect(err.retryState).toBe(RetryState.TIMEOUT);
  });
});

describe('update protocol messages (issue 10: where Accepted/Completed land in history)', () => {
  it('writes update events exactly where the ProtocolMessage commands sit among the other commands', async () => {
    const svc = env.client.workflowService;
    const queue = uid('raw-queue');
    const workflowId = uid('raw');
    const { CommandType } = temporal.api.enums.v1;
    const pack = (typeName: string, bytes: Uint8Array) =>
      ({ type_url: `type.googleapis.com/${typeName}`, value: bytes }) as never;
    await svc.startWorkflowExecution({
      namespace: 'default',
      workflowId,
      workflowType: { name: 'raw' },
      taskQueue: { name: queue },
      requestId: uid('req'),
    });
    const poll = () =>
      svc.pollWorkflowTaskQueue({ namespace: 'default', taskQueue: { name: queue }, identity: 'raw-worker' });
    const first = await poll();
    await svc.respondWorkflowTaskCompleted({ namespace: 'default', taskToken: first.taskToken, commands: [] });

    const update = svc.updateWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId },
      waitPolicy: { lifecycleStage: 3 },
      request: { meta: { updateId: 'u1' }, input: { name: 'u', args: { payloads: [] } } },
    });
    const task = await poll();
    const req = task.messages?.[0];
    expect(req?.protocolInstanceId).toBe('u1');
    const marker = (name: string) => ({
      commandType: CommandType.COMMAND_TYPE_RECORD_MARKER,
      recordMarkerCommandAttributes: { markerName: name },
    });
    const message = (id: string) => ({
      commandType: CommandType.COMMAND_TYPE_PROTOCOL_MESSAGE,
      protocolMessageCommandAttributes: { messageId: id },
    });
    const request = temporal.api.update.v1.Request.decode((req!.body as unknown as { value: Uint8Array }).value);
    await svc.respondWorkflowTaskCompleted({
      namespace: 'default',
      taskToken: task.taskToken,
      commands: [
        marker('m1'),
        message('accept'),
        marker('m2'),
        marker('m3'),
        message('complete'),
        {
          commandType: CommandType.COMMAND_TYPE_START_TIMER,
          startTimerCommandAttributes: { timerId: 't1', startToFireTimeout: msToTs('1h') },
        },
      ],
      messages: [
        {
          id: 'accept',
          protocolInstanceId: 'u1',
          body: pack(
            'temporal.api.update.v1.Acceptance',
            temporal.api.update.v1.Acceptance.encode({
              acceptedRequestMessageId: req!.id,
              acceptedRequestSequencingEventId: req!.eventId,
              acceptedRequest: request,
            }).finish(),
          ),
        },
        {
          id: 'complete',
          protocolInstanceId: 'u1',
          body: pack(
            'temporal.api.update.v1.Response',
            temporal.api.update.v1.Response.encode({
              meta: { updateId: 'u1' },
              outcome: { success: { payloads: [] } },
            }).finish(),
          ),
        },
      ],
    });
    expect((await update).outcome?.success).toBeTruthy();
    const events = await history(workflowId);
    const completed = events.findIndex((e, i) => i > 3 && e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    expect(events.slice(completed + 1).map((e) => e.eventType)).toEqual([
      EventType.EVENT_TYPE_MARKER_RECORDED,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
      EventType.EVENT_TYPE_MARKER_RECORDED,
      EventType.EVENT_TYPE_MARKER_RECORDED,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
      EventType.EVENT_TYPE_TIMER_STARTED,
    ]);
    await env.client.workflow.getHandle(workflowId).terminate();
  });
});

describe('activity pause / unpause / reset (issue 18 item 7)', () => {
  it('tells a running activity it was paused through its heartbeat (cancellation details)', async () => {
    const r = await env.client.workflow.execute(wfs.pauseResetWorkflow, {
      taskQueue,
      workflowId: uid('pause'),
      args: [{ pause: true }],
    });
    expect(r).toMatchObject({ paused: true, reset: false, cancelRequested: false });
  });

  it('reports pause and reset together', async () => {
    const r = await env.client.workflow.execute(wfs.pauseResetWorkflow, {
      taskQueue,
      workflowId: uid('pause-reset'),
      args: [{ pause: true, reset: true }],
    });
    expect(r).toMatchObject({ paused: true, reset: true });
  });

  it('retries a reset attempt (the count starts again from 1) and an attempt unpaused before it failed', async () => {
    for (const state of [
      { reset: true, shouldRetry: true },
      { pause: true, unpause: true, shouldRetry: true },
    ]) {
      const r = await env.client.workflow.execute(wfs.pauseResetWorkflow, {
        taskQueue,
        workflowId: uid('reset-retry'),
        args: [state],
      });
      expect(r).toEqual({ attempt: 2 });
    }
  });

  it('holds back a paused scheduled activity until unpause; reset and errors like Temporal', async () => {
    const svc = env.client.workflowService;
    const h = await env.client.workflow.start(wfs.unpolledActivity, { taskQueue, workflowId: uid('unpolled') });
    const pending = async () => {
      const d = await svc.describeWorkflowExecution({ namespace: 'default', execution: { workflowId: h.workflowId } });
      return d.pendingActivities?.[0];
    };
    const activityId = (await eventually(async () => (await pending())?.activityId ?? undefined))!;
    const req = { namespace: 'default', execution: { workflowId: h.workflowId }, id: activityId, identity: 'me' };
    await svc.pauseActivity({ ...req, reason: 'looking' });
    let p = await pending();
    expect(p?.paused).toBe(true);
    expect(p?.state).toBe(temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_PAUSED);
    expect(p?.pauseInfo?.manual?.reason).toBe('looking');
    await expect(svc.pauseActivity(req)).rejects.toMatchObject({ code: grpcStatus.FAILED_PRECONDITION });
    await svc.unpauseActivity(req);
    p = await pending();
    expect(p?.paused).toBeFalsy();
    await expect(svc.unpauseActivity(req)).rejects.toMatchObject({ code: grpcStatus.FAILED_PRECONDITION });
    await svc.resetActivity(req);
    expect((await pending())?.attempt).toBe(1);
    await expect(svc.pauseActivity({ ...req, id: 'no-such-activity' })).rejects.toMatchObject({
      code: grpcStatus.NOT_FOUND,
    });
    await h.terminate();
  });
});

describe('build ids, eager start, counts by status (issue 18)', () => {
  it("records the worker's build id in WorkflowTaskCompleted and the BuildIds search attribute", async () => {
    const h = await env.client.workflow.start(wfs.activityWorkflow, {
      taskQueue,
      workflowId: uid('buildid'),
      args: ['b'],
    });
    await h.result();
    const buildId = harness.worker.options.buildId;
    const d = await h.describe();
    expect(d.searchAttributes.BuildIds).toEqual(['unversioned', `unversioned:${buildId}`]);
    const completed = (await history(h.workflowId)).find(
      (e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    );
    expect(completed?.workflowTaskCompletedEventAttributes?.workerVersion?.buildId).toBe(buildId);
  });

  it('starts a workflow eagerly for the worker sharing the connection', async () => {
    const client = new Client({ connection: env.nativeConnection, namespace: 'default' });
    const h = await client.workflow.start(wfs.activityWorkflow, {
      taskQueue,
      workflowId: uid('eager'),
      args: ['eager'],
      requestEagerStart: true,
      workflowTaskTimeout: '1h',
    });
    expect(h.eagerlyStarted).toBe(true);
    expect(await h.result()).toBe('hello eager');
  });

  it('counts GROUP BY ExecutionStatus like Temporal', async () => {
    const q = uid('count-queue');
    const a = await env.client.workflow.start(wfs.waitForever, { taskQueue: q, workflowId: uid('c') });
    const b = await env.client.workflow.start(wfs.waitForever, { taskQueue: q, workflowId: uid('c') });
    await env.client.workflow.start(wfs.waitForever, { taskQueue: q, workflowId: uid('c') });
    await a.terminate();
    await b.terminate();
    expect(await env.client.workflow.count(`TaskQueue = '${q}' GROUP BY ExecutionStatus`)).toEqual({
      count: 3,
      groups: [
        { count: 1, groupValues: [['Running']] },
        { count: 2, groupValues: [['Terminated']] },
      ],
    });
    await expect(env.client.workflow.count(`TaskQueue = '${q}' GROUP BY WorkflowType`)).rejects.toThrow();
  });
});

describe('payload size limits (--dynamic-config-value limit.blobSize.*)', () => {
  let limited: TestWorkflowEnvironment;
  beforeAll(async () => {
    limited = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: launcher },
        extraArgs: [
          '--dynamic-config-value',
          'limit.blobSize.error=10240',
          '--dynamic-config-value',
          'limit.blobSize.warn=2048',
        ],
      },
    });
  });
  afterAll(() => limited?.teardown());

  it('reports the limits in DescribeNamespace and enforces them on start and on commands', async () => {
    const ns = await limited.client.workflowService.describeNamespace({ namespace: 'default' });
    expect(Number(ns.namespaceInfo?.limits?.blobSizeLimitError)).toBe(10240);
    const big = 'x'.repeat(20_000);
    const startErr = await limited.client.workflow
      .start(wfs.activityWorkflow, { taskQueue: 'limits', workflowId: uid('big'), args: [big] })
      .catch((e) => e);
    expect(startErr?.cause?.code).toBe(grpcStatus.INVALID_ARGUMENT);
    expect(String(startErr?.cause?.details)).toMatch(/size exceeds limit/);
    // The worker opts out of SDK core's own check, so the oversized command reaches the engine.
    const worker = await Worker.create({
      connection: limited.nativeConnection,
      taskQueue: 'limits',
      workflowBundle: harness.workflowBundle,
      activities,
      disablePayloadErrorLimit: true,
    });
    const h = await limited.client.workflow.start(wfs.bigActivityInput, {
      taskQueue: 'limits',
      workflowId: uid('bigcmd'),
      args: [20_000],
    });
    const err = await worker.runUntil(h.result().catch((e) => e));
    expect(err?.name).toBe('WorkflowFailedError');
    const events = (
      await limited.client.workflowService.getWorkflowExecutionHistory({
        namespace: 'default',
        execution: { workflowId: h.workflowId },
      })
    ).history?.events;
    const failed = events?.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
    expect(failed?.workflowTaskFailedEventAttributes?.cause).toBe(
      temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
    );
    expect(events?.at(-1)?.eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED);
  });
});
