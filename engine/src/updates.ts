// Workflow updates: admission and limits, protocol messages, waiting for a stage, update-with-start.
import type { temporal } from '@temporalio/proto';
import * as grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { type Exec, attrsOf, type Update } from './history.js';
import { anyPack, anyUnpack } from './proto.js';
import { RpcError, notFound, invalid } from './grpc.js';
import type { Engine } from './engine.js';
import { EventType, UpdateWorkflowExecutionLifecycleStage } from './enums.js';
import { startWorkflowExecution } from './lifecycle.js';
import { firstWft, scheduleWft } from './workflowTask.js';

const UPDATE_WAIT = 50_000;
// Temporal's defaults: history.maxInFlightUpdates, history.maxTotalUpdates.
const MAX_IN_FLIGHT_UPDATES = 10;
const MAX_TOTAL_UPDATES = 2000;
/** What an accepted update's caller gets when the run closes before the update completes (Temporal's wording). */
export const UPDATE_ABORTED_BY_CLOSE = {
  failure: {
    message: 'Workflow Update failed because the Workflow completed before the Update completed.',
    source: 'Server',
    applicationFailureInfo: { type: 'AcceptedUpdateCompletedWorkflow', nonRetryable: true },
  },
};

export function handleMessage(eng: Engine, e: Exec, m: any, completedId: number): void {
  const body = anyUnpack(m.body);
  if (!body) return;
  const u = e.rt.updates.get(m.protocolInstanceId);
  const wake = (x: Update) => {
    const ws = [...x.waiters];
    x.waiters.clear();
    for (const f of ws) f();
  };
  switch (body.typeName) {
    case 'temporal.api.update.v1.Acceptance': {
      const req = body.value.acceptedRequest ?? u?.request;
      const evt = eng.append(e, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED, {
        protocolInstanceId: m.protocolInstanceId,
        acceptedRequestMessageId: body.value.acceptedRequestMessageId,
        acceptedRequestSequencingEventId: body.value.acceptedRequestSequencingEventId,
        acceptedRequest: req,
      });
      if (u) {
        u.state = 'accepted';
        u.acceptedEventId = evt.eventId;
        wake(u);
      }
      break;
    }
    case 'temporal.api.update.v1.Rejection': {
      if (u) {
        u.state = 'rejected';
        u.outcome = { failure: body.value.failure };
        e.rt.updates.delete(u.id);
        wake(u);
      }
      break;
    }
    case 'temporal.api.update.v1.Response': {
      const acceptedId =
        u?.acceptedEventId ??
        findUpdateEvent(eng, e, m.protocolInstanceId, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)
          ?.eventId ??
        0;
      eng.append(e, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED, {
        meta: body.value.meta,
        acceptedEventId: acceptedId,
        outcome: body.value.outcome,
      });
      if (u) {
        u.state = 'completed';
        u.outcome = body.value.outcome;
        wake(u);
      }
      break;
    }
    default:
      break;
  }
  void completedId;
}

export function findUpdateEvent(eng: Engine, e: Exec, updateId: string, type: number): any | undefined {
  for (let i = e.events.length - 1; i >= 0; i--) {
    const x = e.events[i];
    if (x.eventType !== type) continue;
    const a = attrsOf(x);
    if (
      type === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
        ? a.protocolInstanceId === updateId
        : a.meta?.updateId === updateId
    )
      return x;
  }
  return undefined;
}

export async function updateWorkflowExecution(
  eng: Engine,
  r: temporal.api.workflowservice.v1.IUpdateWorkflowExecutionRequest,
  call: grpc.ServerUnaryCall<any, any>,
) {
  const e = eng.execOf(r.workflowExecution, r.namespace);
  if (r.firstExecutionRunId && e.s.firstRunId !== r.firstExecutionRunId)
    throw notFound('workflow execution not found for firstExecutionRunId');
  const id: string = r.request?.meta?.updateId || randomUUID();
  let u = lookupUpdate(eng, e, id);
  if (!u) {
    if (!e.running) throw notFound('workflow execution already completed');
    let inFlight = 0;
    for (const x of e.rt.updates.values()) if (x.state === 'admitted' || x.state === 'accepted') inFlight++;
    if (inFlight >= MAX_IN_FLIGHT_UPDATES)
      throw new RpcError(
        grpc.status.RESOURCE_EXHAUSTED,
        `limit on number of concurrent in-flight updates has been reached (${MAX_IN_FLIGHT_UPDATES})`,
      );
    if (updateCount(eng, e) >= MAX_TOTAL_UPDATES)
      throw new RpcError(
        grpc.status.RESOURCE_EXHAUSTED,
        `limit on number of total updates has been reached (${MAX_TOTAL_UPDATES})`,
      );
    u = {
      id,
      request: { ...r.request, meta: { ...r.request?.meta, updateId: id } },
      state: 'admitted',
      waiters: new Set(),
    };
    e.rt.updates.set(id, u);
    if (e.s.firstWftAt > 0) {
      // Like Temporal: an update ends the start delay, the first task goes out now.
      eng.cancelTimer(e, 'firstwft');
      firstWft(eng, e);
    } else if (!e.s.wft) scheduleWft(eng, e, 1, { speculative: true });
    eng.flush();
  }
  return waitUpdate(
    eng,
    e,
    u,
    r.waitPolicy?.lifecycleStage ||
      UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED,
    call,
  );
}

export async function pollWorkflowExecutionUpdate(
  eng: Engine,
  r: temporal.api.workflowservice.v1.IPollWorkflowExecutionUpdateRequest,
  call: grpc.ServerUnaryCall<any, any>,
) {
  const ref = r.updateRef ?? {};
  const e = eng.execOf(ref.workflowExecution, r.namespace);
  const u = lookupUpdate(eng, e, ref.updateId ?? '');
  if (!u) throw notFound(`update ${ref.updateId} not found`);
  // No wait policy: report the stage reached now (Temporal answers at once).
  return waitUpdate(
    eng,
    e,
    u,
    r.waitPolicy?.lifecycleStage ||
      UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED,
    call,
  );
}

/** Updates this run has admitted so far (history and in memory), for the total limit. */
export function updateCount(eng: Engine, e: Exec): number {
  let n = 0;
  for (const x of e.events) if (x.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED) n++;
  for (const x of e.rt.updates.values()) if (x.state === 'admitted') n++;
  return n;
}

/** In-memory update record, or one rebuilt from history (accepted/completed events). */
export function lookupUpdate(eng: Engine, e: Exec, id: string): Update | undefined {
  const u = e.rt.updates.get(id);
  if (u) return u;
  const acc = findUpdateEvent(eng, e, id, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED);
  if (!acc) return undefined;
  const done = findUpdateEvent(eng, e, id, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED);
  const rebuilt: Update = {
    id,
    request: attrsOf(acc).acceptedRequest,
    state: done || !e.running ? 'completed' : 'accepted',
    outcome: done ? attrsOf(done).outcome : e.running ? undefined : UPDATE_ABORTED_BY_CLOSE,
    acceptedEventId: acc.eventId,
    waiters: new Set(),
  };
  e.rt.updates.set(id, rebuilt);
  return rebuilt;
}

export async function waitUpdate(eng: Engine, e: Exec, u: Update, stage: number, call: grpc.ServerUnaryCall<any, any>) {
  const reached = () => {
    if (u.state === 'completed' || u.state === 'rejected')
      return UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED;
    if (u.state === 'accepted')
      return UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED;
    return UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED;
  };
  const deadline = Date.now() + UPDATE_WAIT;
  let wake: (() => void) | undefined;
  call.once('cancelled', () => wake?.());
  while (reached() < stage && e.running && !call.cancelled && Date.now() < deadline) {
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, deadline - Date.now());
      function done() {
        clearTimeout(t);
        u.waiters.delete(done);
        resolve();
      }
      u.waiters.add(done);
      wake = done;
    });
  }
  const st = reached();
  if (st < stage && !e.running) {
    if (st === UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED)
      e.rt.updates.delete(u.id);
    throw notFound('workflow execution already completed');
  }
  return {
    updateRef: { workflowExecution: { workflowId: e.s.workflowId, runId: e.s.runId }, updateId: u.id },
    outcome:
      st === UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED
        ? u.outcome
        : undefined,
    stage: st,
  };
}

/** Update-with-start: the only multi-operation Temporal defines today. */
export async function executeMultiOperation(
  eng: Engine,
  r: temporal.api.workflowservice.v1.IExecuteMultiOperationRequest,
  call: grpc.ServerUnaryCall<any, any>,
) {
  const ops = r.operations ?? [];
  if (ops.length !== 2 || !ops[0]?.startWorkflow || !ops[1]?.updateWorkflow)
    throw invalid('ExecuteMultiOperation supports exactly [startWorkflow, updateWorkflow] (update-with-start)');
  const ns = r.namespace || 'default';
  const start = { ...ops[0].startWorkflow, namespace: ns };
  if ((start.workflowIdConflictPolicy || 0) === 0)
    throw invalid('update-with-start requires a workflow id conflict policy');
  // Like Temporal, a failing operation is reported in a MultiOperationExecutionFailure
  // (the other one "aborted"); the status code is the failing operation's.
  const fail = (err: unknown, index: number): never => {
    if (!(err instanceof RpcError)) throw err;
    const own = {
      code: err.code,
      message: err.message,
      details: err.detail ? [anyPack(err.detail.typeName, err.detail.value)] : [],
    };
    const aborted = {
      code: grpc.status.ABORTED,
      message: 'Operation was aborted.',
      details: [anyPack('temporal.api.failure.v1.MultiOperationExecutionAborted', {})],
    };
    throw new RpcError(err.code, `Update-with-Start could not be executed: ${err.message}`, {
      typeName: 'temporal.api.errordetails.v1.MultiOperationExecutionFailure',
      value: { statuses: index === 0 ? [own, aborted] : [aborted, own] },
    });
  };
  let startResp;
  try {
    startResp = startWorkflowExecution(eng, start);
  } catch (err) {
    fail(err, 0);
  }
  const upd = {
    ...ops[1].updateWorkflow,
    namespace: ns,
    workflowExecution: { workflowId: start.workflowId, runId: startResp!.runId },
  };
  let updResp;
  try {
    updResp = await updateWorkflowExecution(eng, upd, call);
  } catch (err) {
    fail(err, 1);
  }
  return { responses: [{ startWorkflow: startResp }, { updateWorkflow: updResp }] };
}
