// Execution lifecycle: start, signal, close, cancel, terminate, delete, workflow retry, children.
import type { temporal } from '@temporalio/proto';
import * as grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { Exec, retryFromProto, nextRetry, type ExecState } from './history.js';
import { durMs, msDur } from './proto.js';
import { RpcError, notFound, invalid } from './grpc.js';
import type { Engine } from './engine.js';
import { blobSize, checkBlob, checkIdLength, checkMemo } from './commandChecks.js';
import {
  EventType,
  ParentClosePolicy,
  RetryState,
  StartChildWorkflowExecutionFailedCause,
  TaskQueueKind,
  WorkflowExecutionStatus,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowTaskFailedCause,
} from './enums.js';
import { UPDATE_ABORTED_BY_CLOSE } from './updates.js';
import { DEFAULT_WFT_TIMEOUT, firstWft, scheduleWft, startWft } from './workflowTask.js';

export function startExecution(
  eng: Engine,
  ns: string,
  r: any,
  extra: {
    execDeadline?: number;
    parent?: ExecState['parent'];
    root?: { wid: string; rid: string };
    signal?: any;
    continuedFrom?: Exec;
    firstRunId?: string;
    attempt?: number;
    backoffMs?: number;
    lastCompletionResult?: any;
    continuedFailure?: any;
    initiator?: number;
  },
): Exec {
  const now = eng.clock.now();
  const runId = randomUUID();
  const runTimeoutMs = durMs(r.workflowRunTimeout) || durMs(r.workflowExecutionTimeout);
  const execTimeoutMs = durMs(r.workflowExecutionTimeout);
  const delayMs = durMs(r.workflowStartDelay) || extra.backoffMs || 0;
  const firstRunId = extra.firstRunId ?? runId;
  const s: ExecState = {
    ns,
    workflowId: r.workflowId,
    runId,
    firstRunId,
    workflowType: r.workflowType?.name ?? '',
    taskQueue: r.taskQueue?.name ?? '',
    status: WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
    startTime: now,
    executionTime: now + delayMs,
    closeTime: 0,
    startRequestId: r.requestId ?? '',
    runTimeoutMs,
    execTimeoutMs,
    wftTimeoutMs: durMs(r.workflowTaskTimeout) || DEFAULT_WFT_TIMEOUT,
    runDeadline: 0,
    // The execution timeout spans the whole continue-as-new chain.
    execDeadline: extra.execDeadline ?? (execTimeoutMs ? now + delayMs + execTimeoutMs : 0),
    firstWftAt: delayMs ? now + delayMs : 0,
    memo: r.memo,
    searchAttributes: eng.tagSa(r.searchAttributes)?.indexedFields,
    userMetadata: r.userMetadata,
    priority: r.priority,
    parent: extra.parent,
    rootWorkflowId: extra.root?.wid ?? r.workflowId,
    rootRunId: extra.root?.rid ?? runId,
    wft: null,
    lastCompletedStartedId: 0,
    buffered: [],
    activities: {},
    timers: {},
    children: {},
    cancelRequested: false,
    signalRequestIds: [],
    retryPolicy: r.retryPolicy,
    attempt: extra.attempt ?? 1,
  };
  const runEnd = runTimeoutMs ? now + delayMs + runTimeoutMs : 0;
  s.runDeadline = runEnd && s.execDeadline ? Math.min(runEnd, s.execDeadline) : runEnd || s.execDeadline;
  if (!s.taskQueue) throw invalid('task queue is required');
  if (!s.workflowType) throw invalid('workflow type is required');
  if (!s.workflowId) throw invalid('workflow id is required');
  checkIdLength(s.workflowId);
  const e = new Exec(s);
  eng.histories.adopt(e);
  eng.runs.set(runId, e);
  eng.current.set(`${ns}\0${s.workflowId}`, runId);
  const p = extra.parent;
  eng.append(e, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, {
    workflowType: { name: s.workflowType },
    parentWorkflowNamespace: p?.ns,
    parentWorkflowNamespaceId: p ? eng.namespaces.get(p.ns)?.id : undefined,
    parentWorkflowExecution: p ? { workflowId: p.workflowId, runId: p.runId } : undefined,
    parentInitiatedEventId: p?.initiatedId,
    taskQueue: { name: s.taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    input: r.input,
    workflowExecutionTimeout: msDur(execTimeoutMs),
    workflowRunTimeout: msDur(runTimeoutMs),
    workflowTaskTimeout: msDur(s.wftTimeoutMs),
    continuedExecutionRunId: extra.continuedFrom?.s.runId,
    initiator: extra.initiator,
    continuedFailure: extra.continuedFailure,
    lastCompletionResult: extra.lastCompletionResult,
    originalExecutionRunId: runId,
    identity: r.identity,
    firstExecutionRunId: firstRunId,
    retryPolicy: r.retryPolicy,
    attempt: s.attempt,
    firstWorkflowTaskBackoff: msDur(delayMs),
    memo: r.memo,
    searchAttributes: eng.tagSa(r.searchAttributes),
    header: r.header,
    workflowId: s.workflowId,
    // Like Temporal: only a child names its root.
    rootWorkflowExecution: p ? { workflowId: s.rootWorkflowId, runId: s.rootRunId } : undefined,
    cronSchedule: r.cronSchedule || undefined,
    priority: r.priority,
  });
  if (r.userMetadata) e.events[e.events.length - 1].userMetadata = r.userMetadata;
  if (extra.signal) eng.append(e, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, extra.signal);
  if (s.runDeadline) eng.timer(e, 'run', s.runDeadline, () => runTimeout(eng, e));
  if (delayMs) {
    s.wft = null;
    eng.timer(e, 'firstwft', s.firstWftAt, () => firstWft(eng, e));
  } else {
    scheduleWft(eng, e);
  }
  eng.touch(e);
  return e;
}

export function alreadyStarted(eng: Engine, e: Exec): RpcError {
  return new RpcError(
    grpc.status.ALREADY_EXISTS,
    `Workflow execution is already running. WorkflowId: ${e.s.workflowId}, RunId: ${e.s.runId}.`,
    {
      typeName: 'temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure',
      value: { startRequestId: e.s.startRequestId, runId: e.s.runId, firstExecutionRunId: e.s.firstRunId },
    },
  );
}

/** Applies id reuse / conflict policies; returns an existing run to hand back, or undefined to start. */
export function checkStart(eng: Engine, ns: string, r: any): Exec | undefined {
  const curId = eng.current.get(`${ns}\0${r.workflowId}`);
  const cur = curId ? eng.runs.get(curId) : undefined;
  if (!cur) return undefined;
  if (cur.running) {
    if (r.requestId && cur.s.startRequestId === r.requestId) return cur;
    const conflict = r.workflowIdConflictPolicy || WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL;
    if (conflict === WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING) return cur;
    if (
      conflict === WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING ||
      r.workflowIdReusePolicy === WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING
    ) {
      terminate(eng, cur, 'terminated by start with TERMINATE_EXISTING conflict policy', undefined, r.identity);
      return undefined;
    }
    throw alreadyStarted(eng, cur);
  }
  if (r.requestId && cur.s.startRequestId === r.requestId) return cur;
  const reuse = r.workflowIdReusePolicy || WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE;
  if (reuse === WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE) throw alreadyStarted(eng, cur);
  if (
    reuse === WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY &&
    cur.s.status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED
  )
    throw alreadyStarted(eng, cur);
  return undefined;
}

export function closeExec(eng: Engine, e: Exec, status: number, type: number, attrs: any): void {
  const w = e.s.wft;
  if (
    w &&
    w.startedId &&
    !w.transient &&
    type !== EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED &&
    !attrs.workflowTaskCompletedEventId
  ) {
    // Keep history well formed when a running task is cut short (terminate/timeout).
    eng.append(e, EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, {
      scheduledEventId: w.scheduledId,
      startedEventId: w.startedId,
      cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND,
    });
  }
  e.s.wft = null;
  if (!attrs.workflowTaskCompletedEventId) eng.flushBuffered(e);
  e.s.buffered = [];
  e.bufferedReset = true;
  eng.append(e, type, attrs);
  e.s.status = status;
  e.s.closeTime = eng.clock.now();
  for (const h of e.rt.timers.values()) eng.clock.cancel(h);
  e.rt.timers.clear();
  e.s.activities = {};
  e.s.timers = {};
  eng.touch(e);
  for (const u of e.rt.updates.values()) {
    if (u.state === 'accepted') {
      u.state = 'completed';
      u.outcome = UPDATE_ABORTED_BY_CLOSE;
    }
    if (u.state === 'admitted' || u.state === 'completed') {
      const ws = [...u.waiters];
      u.waiters.clear();
      for (const f of ws) f();
    }
  }
  // Parent close policy for children still open.
  for (const c of Object.values(e.s.children)) {
    const child = eng.runs.get(c.runId);
    if (!child || !child.running) continue;
    if (c.parentClosePolicy === ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON) continue;
    if (c.parentClosePolicy === ParentClosePolicy.PARENT_CLOSE_POLICY_REQUEST_CANCEL)
      requestCancel(eng, child, 'parent closed', undefined);
    else terminate(eng, child, 'by parent close policy', undefined, 'duban-temporal');
  }
  e.s.children = {};
  // Tell the parent, unless this run continued as new (the next run reports).
  const p = e.s.parent;
  const retrying =
    status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED &&
    attrs.retryState === RetryState.RETRY_STATE_IN_PROGRESS;
  if (p && status !== WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW && !retrying) {
    const parent = eng.runs.get(p.runId);
    if (parent && parent.running) {
      const c = parent.s.children[p.initiatedId];
      const base = {
        namespace: e.s.ns,
        workflowExecution: { workflowId: e.s.workflowId, runId: e.s.runId },
        workflowType: { name: e.s.workflowType },
        initiatedEventId: p.initiatedId,
        startedEventId: c?.startedId ?? 0,
      };
      delete parent.s.children[p.initiatedId];
      if (status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED)
        eng.addExternal(parent, EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED, {
          ...base,
          result: attrs.result,
        });
      else if (status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED)
        eng.addExternal(parent, EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED, {
          ...base,
          failure: attrs.failure,
          retryState: attrs.retryState,
        });
      else if (status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED)
        eng.addExternal(parent, EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED, {
          ...base,
          details: attrs.details,
        });
      else if (status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT)
        eng.addExternal(parent, EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT, {
          ...base,
          retryState: attrs.retryState,
        });
      else if (status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED)
        eng.addExternal(parent, EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED, base);
    }
  }
}

export function terminate(eng: Engine, e: Exec, reason: string, details: any, identity?: string): void {
  closeExec(
    eng,
    e,
    WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
    { reason, details, identity },
  );
}

export function requestCancel(eng: Engine, e: Exec, reason: string, identity?: string, external?: any): void {
  if (e.s.cancelRequested) return;
  e.s.cancelRequested = true;
  eng.addExternal(e, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED, {
    cause: reason,
    identity,
    externalInitiatedEventId: external?.initiatedId,
    externalWorkflowExecution: external?.execution,
  });
}

export function runTimeout(eng: Engine, e: Exec): void {
  if (!e.running) return;
  // The execution timeout ends every retry (TIMEOUT); a run timeout without a
  // retry policy is RETRY_POLICY_NOT_SET.
  const execExpired = e.s.execDeadline > 0 && eng.clock.now() >= e.s.execDeadline;
  closeExec(
    eng,
    e,
    WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
    { retryState: execExpired ? RetryState.RETRY_STATE_TIMEOUT : RetryState.RETRY_STATE_RETRY_POLICY_NOT_SET },
  );
}

export function startWorkflowExecution(eng: Engine, r: temporal.api.workflowservice.v1.IStartWorkflowExecutionRequest) {
  const ns = r.namespace || 'default';
  eng.ns(ns);
  checkIdLength(r.workflowId ?? '');
  checkBlob(eng, blobSize('payloads', r.input));
  checkMemo(eng, r.memo);
  const existing = checkStart(eng, ns, r);
  if (existing) return { runId: existing.s.runId, started: false };
  // Eager workflow start: the first task goes back in the response (to the
  // worker sharing the caller's connection) instead of through the queue.
  const eager = !!r.requestEagerExecution && !durMs(r.workflowStartDelay);
  eng.holdWft = eager;
  let e: Exec;
  try {
    e = startExecution(eng, ns, r, {});
  } finally {
    eng.holdWft = false;
  }
  const w = e.s.wft;
  const eagerWorkflowTask = eager && w && !w.startedId ? startWft(eng, e, w, false) : undefined;
  eng.flush();
  return { runId: e.s.runId, started: true, eagerWorkflowTask: eagerWorkflowTask ?? undefined };
}

export function signalWorkflowExecution(
  eng: Engine,
  r: temporal.api.workflowservice.v1.ISignalWorkflowExecutionRequest,
) {
  const e = eng.execOf(r.workflowExecution, r.namespace);
  if (!e.running) throw notFound('workflow execution already completed');
  checkBlob(eng, blobSize('payloads', r.input));
  signal(eng, e, r);
  eng.flush();
  return {};
}

export function signal(eng: Engine, e: Exec, r: any): void {
  if (r.requestId) {
    if (e.s.signalRequestIds.includes(r.requestId)) return; // client retry of a delivered signal
    e.s.signalRequestIds.push(r.requestId);
    if (e.s.signalRequestIds.length > 32) e.s.signalRequestIds.shift();
  }
  eng.addExternal(e, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, {
    signalName: r.signalName,
    input: r.input,
    identity: r.identity,
    header: r.header,
  });
}

export function signalWithStartWorkflowExecution(
  eng: Engine,
  r: temporal.api.workflowservice.v1.ISignalWithStartWorkflowExecutionRequest,
) {
  const ns = r.namespace || 'default';
  eng.ns(ns);
  checkIdLength(r.workflowId ?? '');
  checkBlob(eng, blobSize('payloads', r.input) + blobSize('payloads', r.signalInput));
  checkMemo(eng, r.memo);
  const curId = eng.current.get(`${ns}\0${r.workflowId}`);
  const cur = curId ? eng.runs.get(curId) : undefined;
  const sig = { signalName: r.signalName, input: r.signalInput, identity: r.identity, header: r.header };
  if (
    cur &&
    cur.running &&
    (r.workflowIdConflictPolicy || WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING) !==
      WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING
  ) {
    signal(eng, cur, { ...sig, input: r.signalInput, requestId: r.requestId });
    eng.flush();
    return { runId: cur.s.runId, started: false };
  }
  if (cur) {
    const reuse = r.workflowIdReusePolicy || WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE;
    if (cur.running) terminate(eng, cur, 'terminated by signal-with-start', undefined, r.identity ?? undefined);
    else if (
      reuse === WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE ||
      (reuse === WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY &&
        cur.s.status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED)
    )
      throw alreadyStarted(eng, cur);
  }
  const e = startExecution(eng, ns, r, { signal: sig });
  eng.flush();
  return { runId: e.s.runId, started: true };
}

/** A child that continued as new / retried keeps reporting to its parent through the new run. */
export function relinkChild(eng: Engine, old: Exec, n: Exec): void {
  if (!old.s.parent) return;
  const parent = eng.runs.get(old.s.parent.runId);
  const ch = parent?.s.children[old.s.parent.initiatedId];
  if (ch) {
    ch.runId = n.s.runId;
    eng.touch(parent!);
  }
}

/** Workflow retry decision (Temporal: only when the start request had a retry policy). */
export function workflowRetry(eng: Engine, e: Exec, failure: any): { backoffMs?: number; retryState: number } {
  if (!e.s.retryPolicy) return { retryState: RetryState.RETRY_STATE_RETRY_POLICY_NOT_SET };
  const d = nextRetry(retryFromProto(e.s.retryPolicy), e.s.attempt, failure, eng.clock.now(), e.s.execDeadline);
  return 'backoffMs' in d
    ? { backoffMs: d.backoffMs, retryState: RetryState.RETRY_STATE_IN_PROGRESS }
    : { retryState: d.retryState };
}

export function startChild(
  eng: Engine,
  parent: Exec,
  x: any,
  ns: string,
  initiatedId: number,
  completedId: number,
): void {
  if (!parent.running) return;
  const base = { namespace: ns, initiatedEventId: initiatedId, workflowType: x.workflowType };
  let child: Exec;
  try {
    eng.ns(ns);
    if (
      checkStart(eng, ns, { ...x, workflowIdConflictPolicy: WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL })
    )
      throw new Error('exists');
    child = startExecution(
      eng,
      ns,
      { ...x, requestId: randomUUID(), identity: `workflow:${parent.s.workflowId}` },
      {
        parent: { ns: parent.s.ns, workflowId: parent.s.workflowId, runId: parent.s.runId, initiatedId },
        root: { wid: parent.s.rootWorkflowId, rid: parent.s.rootRunId },
      },
    );
  } catch {
    eng.addExternal(parent, EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED, {
      ...base,
      workflowId: x.workflowId,
      cause: StartChildWorkflowExecutionFailedCause.START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_WORKFLOW_ALREADY_EXISTS,
      control: x.control,
      workflowTaskCompletedEventId: completedId,
    });
    return;
  }
  parent.s.children[initiatedId] = {
    initiatedId,
    startedId: 0,
    ns,
    workflowId: child.s.workflowId,
    runId: child.s.runId,
    workflowType: child.s.workflowType,
    parentClosePolicy: x.parentClosePolicy || ParentClosePolicy.PARENT_CLOSE_POLICY_TERMINATE,
  };
  eng.addExternal(parent, EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED, {
    ...base,
    workflowExecution: { workflowId: child.s.workflowId, runId: child.s.runId },
    header: x.header,
  });
  eng.touch(parent);
}

export function requestCancelWorkflowExecution(
  eng: Engine,
  r: temporal.api.workflowservice.v1.IRequestCancelWorkflowExecutionRequest,
) {
  const e = eng.execOf(r.workflowExecution, r.namespace);
  if (r.firstExecutionRunId && e.s.firstRunId !== r.firstExecutionRunId)
    throw notFound('workflow execution not found for firstExecutionRunId');
  if (!e.running) throw notFound('workflow execution already completed');
  requestCancel(eng, e, r.reason || '', r.identity ?? undefined);
  eng.flush();
  return {};
}

export function terminateWorkflowExecution(
  eng: Engine,
  r: temporal.api.workflowservice.v1.ITerminateWorkflowExecutionRequest,
) {
  const e = eng.execOf(r.workflowExecution, r.namespace);
  if (r.firstExecutionRunId && e.s.firstRunId !== r.firstExecutionRunId)
    throw notFound('workflow execution not found for firstExecutionRunId');
  if (!e.running) throw notFound('workflow execution already completed');
  terminate(eng, e, r.reason || '', r.details, r.identity ?? undefined);
  eng.flush();
  return {};
}

export function deleteWorkflowExecution(
  eng: Engine,
  r: temporal.api.workflowservice.v1.IDeleteWorkflowExecutionRequest,
) {
  const e = eng.execOf(r.workflowExecution, r.namespace);
  if (e.running) terminate(eng, e, 'deleted', undefined, 'duban-temporal');
  eng.flush();
  return {};
}
