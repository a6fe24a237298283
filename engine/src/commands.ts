// Commands of a completed workflow task: one function per command type, dispatched by CommandType.
import { randomUUID } from 'node:crypto';
import { type Exec, attrsOf, retryFromProto, retryToProto, type ActivityState } from './history.js';
import { durMs, msDur, num } from './proto.js';
import { invalid, unimplemented } from './grpc.js';
import type { Engine } from './engine.js';
import { armActivity, clearActivityTimers } from './activityTask.js';
import {
  CancelExternalWorkflowExecutionFailedCause,
  CommandType,
  ContinueAsNewInitiator,
  EventType,
  RetryState,
  SignalExternalWorkflowExecutionFailedCause,
  TaskQueueKind,
  WorkflowExecutionStatus,
} from './enums.js';
import {
  closeExec,
  relinkChild,
  requestCancel,
  signal,
  startChild,
  startExecution,
  workflowRetry,
} from './lifecycle.js';

export function fireTimer(eng: Engine, e: Exec, timerId: string): void {
  const t = e.s.timers[timerId];
  if (!t) return;
  delete e.s.timers[timerId];
  eng.addExternal(e, EventType.EVENT_TYPE_TIMER_FIRED, { timerId, startedEventId: t.startedId });
}

/** What a command handler works on: the run, the completion's event id, and work to run after all commands. */
export interface CommandContext {
  eng: Engine;
  e: Exec;
  completedId: number;
  post: PostActions;
}
/** Deferred work (arming activities, starting children, signalling other runs) plus activities to start eagerly. */
export type PostActions = (() => void)[] & { eager: ActivityState[] };

/**
 * Applies one command; returns true when it produced an event the workflow must see.
 * Commands with no handler (Nexus) are refused beforehand by validateCommands.
 */
export function applyCommand(eng: Engine, e: Exec, c: any, completedId: number, post: PostActions): boolean {
  const handler = handlers[c.commandType];
  if (!handler)
    throw unimplemented(
      `command type ${c.commandType} is not supported by duban-temporal (Nexus operations are outside its scope; see engine/README.md)`,
    );
  return handler({ eng, e, completedId, post }, c);
}

function scheduleActivityTask({ eng, e, completedId, post }: CommandContext, c: any): boolean {
  const now = eng.clock.now();
  const x = c.scheduleActivityTaskCommandAttributes ?? {};
  let s2c = durMs(x.scheduleToCloseTimeout);
  let st2c = durMs(x.startToCloseTimeout);
  if (!s2c && !st2c)
    throw invalid(`activity ${x.activityId}: either ScheduleToCloseTimeout or StartToCloseTimeout is required`);
  if (!st2c) st2c = s2c;
  if (!s2c && e.s.runTimeoutMs) s2c = 0;
  let s2s = durMs(x.scheduleToStartTimeout);
  if (!s2s) s2s = s2c;
  const retry = retryFromProto(x.retryPolicy);
  const tq = x.taskQueue?.name || e.s.taskQueue;
  const evt = eng.append(e, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, {
    activityId: x.activityId,
    activityType: x.activityType,
    taskQueue: { name: tq, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    header: x.header,
    input: x.input,
    scheduleToCloseTimeout: msDur(s2c),
    scheduleToStartTimeout: msDur(s2s),
    startToCloseTimeout: msDur(st2c),
    heartbeatTimeout: x.heartbeatTimeout,
    workflowTaskCompletedEventId: completedId,
    retryPolicy: retryToProto(retry),
    useWorkflowBuildId: x.useWorkflowBuildId,
    priority: x.priority,
  });
  const a: ActivityState = {
    scheduledId: evt.eventId,
    activityId: x.activityId,
    activityType: x.activityType?.name ?? '',
    taskQueue: tq,
    attempt: 1,
    state: 'scheduled',
    scheduledTime: now,
    attemptScheduledTime: now,
    startedTime: 0,
    retryAt: 0,
    lastHeartbeat: 0,
    cancelRequestedId: 0,
    s2cMs: s2c,
    s2sMs: s2s === s2c ? 0 : s2s,
    st2cMs: st2c,
    hbMs: durMs(x.heartbeatTimeout),
    retry,
  };
  e.s.activities[a.scheduledId] = a;
  // Eager dispatch: hand the activity back in this response when the worker
  // asks for it and polls the same queue (saves a poll round trip).
  if (x.requestEagerExecution && tq === e.s.taskQueue && post.eager.length < 3) post.eager.push(a);
  else post.push(() => armActivity(eng, e, a));
  return false;
}

function requestCancelActivityTask({ eng, e, completedId }: CommandContext, c: any): boolean {
  const sid = num(c.requestCancelActivityTaskCommandAttributes?.scheduledEventId);
  const a = e.s.activities[sid];
  const reqEvt = eng.append(e, EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED, {
    scheduledEventId: sid,
    workflowTaskCompletedEventId: completedId,
  });
  if (!a) return false;
  if (a.state !== 'started') {
    clearActivityTimers(eng, e, sid);
    delete e.s.activities[sid];
    eng.append(e, EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED, {
      scheduledEventId: sid,
      startedEventId: 0,
      latestCancelRequestedEventId: reqEvt.eventId,
    });
    return true;
  }
  a.cancelRequestedId = reqEvt.eventId;
  return false;
}

function startTimer({ eng, e, completedId }: CommandContext, c: any): boolean {
  const now = eng.clock.now();
  const x = c.startTimerCommandAttributes ?? {};
  const ms = durMs(x.startToFireTimeout);
  const evt = eng.append(e, EventType.EVENT_TYPE_TIMER_STARTED, {
    timerId: x.timerId,
    startToFireTimeout: x.startToFireTimeout,
    workflowTaskCompletedEventId: completedId,
  });
  e.s.timers[x.timerId] = { startedId: evt.eventId, fireAt: now + ms };
  eng.timer(e, `timer:${x.timerId}`, now + ms, () => fireTimer(eng, e, x.timerId));
  return false;
}

function cancelTimer({ eng, e, completedId }: CommandContext, c: any): boolean {
  const id = c.cancelTimerCommandAttributes?.timerId;
  const t = e.s.timers[id];
  if (!t) return false;
  delete e.s.timers[id];
  eng.cancelTimer(e, `timer:${id}`);
  eng.append(e, EventType.EVENT_TYPE_TIMER_CANCELED, {
    timerId: id,
    startedEventId: t.startedId,
    workflowTaskCompletedEventId: completedId,
  });
  return false;
}

function completeWorkflowExecution({ eng, e, completedId }: CommandContext, c: any): boolean {
  closeExec(
    eng,
    e,
    WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    {
      result: c.completeWorkflowExecutionCommandAttributes?.result,
      workflowTaskCompletedEventId: completedId,
    },
  );
  return false;
}

function failWorkflowExecution({ eng, e, completedId }: CommandContext, c: any): boolean {
  const failure = c.failWorkflowExecutionCommandAttributes?.failure;
  const retry = workflowRetry(eng, e, failure);
  if (retry.backoffMs === undefined) {
    closeExec(
      eng,
      e,
      WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
      {
        failure,
        retryState: retry.retryState,
        workflowTaskCompletedEventId: completedId,
      },
    );
    return false;
  }
  // Retry policy on the workflow: this run fails with IN_PROGRESS and a new
  // run (attempt + 1) starts after the backoff, chained by newExecutionRunId.
  closeExec(
    eng,
    e,
    WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
    {
      failure,
      retryState: RetryState.RETRY_STATE_IN_PROGRESS,
      workflowTaskCompletedEventId: completedId,
    },
  );
  const started = attrsOf(e.events[0]);
  const n = startExecution(
    eng,
    e.s.ns,
    {
      workflowId: e.s.workflowId,
      workflowType: { name: e.s.workflowType },
      taskQueue: { name: e.s.taskQueue },
      input: started.input,
      workflowRunTimeout: msDur(e.s.runTimeoutMs),
      workflowExecutionTimeout: msDur(e.s.execTimeoutMs),
      workflowTaskTimeout: msDur(e.s.wftTimeoutMs),
      header: started.header,
      memo: e.s.memo,
      searchAttributes: e.s.searchAttributes ? { indexedFields: e.s.searchAttributes } : undefined,
      retryPolicy: e.s.retryPolicy,
      requestId: randomUUID(),
    },
    {
      parent: e.s.parent,
      execDeadline: e.s.execDeadline || undefined,
      root: { wid: e.s.rootWorkflowId, rid: e.s.rootRunId },
      continuedFrom: e,
      firstRunId: e.s.firstRunId,
      attempt: e.s.attempt + 1,
      backoffMs: retry.backoffMs,
      continuedFailure: failure,
      initiator: ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_RETRY,
    },
  );
  attrsOf(e.events[e.events.length - 1]).newExecutionRunId = n.s.runId;
  e.s.newRunId = n.s.runId;
  relinkChild(eng, e, n);
  return false;
}

function cancelWorkflowExecution({ eng, e, completedId }: CommandContext, c: any): boolean {
  closeExec(
    eng,
    e,
    WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
    {
      details: c.cancelWorkflowExecutionCommandAttributes?.details,
      workflowTaskCompletedEventId: completedId,
    },
  );
  return false;
}

function recordMarker({ eng, e, completedId }: CommandContext, c: any): boolean {
  const x = c.recordMarkerCommandAttributes ?? {};
  eng.append(e, EventType.EVENT_TYPE_MARKER_RECORDED, {
    markerName: x.markerName,
    details: x.details,
    header: x.header,
    failure: x.failure,
    workflowTaskCompletedEventId: completedId,
  });
  return false;
}

function upsertWorkflowSearchAttributes({ eng, e, completedId }: CommandContext, c: any): boolean {
  const sa = eng.tagSa(c.upsertWorkflowSearchAttributesCommandAttributes?.searchAttributes);
  eng.append(e, EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, {
    searchAttributes: sa,
    workflowTaskCompletedEventId: completedId,
  });
  const cur = { ...(e.s.searchAttributes ?? {}) };
  for (const [k, v] of Object.entries<any>(sa?.indexedFields ?? {})) {
    const data = v?.data ? Buffer.from(v.data).toString() : '';
    if (!data || data === '[]' || data === 'null') delete cur[k];
    else cur[k] = v;
  }
  e.s.searchAttributes = cur;
  return false;
}

function modifyWorkflowProperties({ eng, e, completedId }: CommandContext, c: any): boolean {
  const memo = c.modifyWorkflowPropertiesCommandAttributes?.upsertedMemo;
  eng.append(e, EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED, {
    upsertedMemo: memo,
    workflowTaskCompletedEventId: completedId,
  });
  const fields = { ...(e.s.memo?.fields ?? {}) };
  for (const [k, v] of Object.entries<any>(memo?.fields ?? {})) {
    if (!v?.data || !v.data.length) delete fields[k];
    else fields[k] = v;
  }
  e.s.memo = { fields };
  return false;
}

function continueAsNewWorkflowExecution({ eng, e, completedId }: CommandContext, c: any): boolean {
  const x = c.continueAsNewWorkflowExecutionCommandAttributes ?? {};
  const newRun = (): Exec =>
    startExecution(
      eng,
      e.s.ns,
      {
        workflowId: e.s.workflowId,
        workflowType: x.workflowType?.name ? x.workflowType : { name: e.s.workflowType },
        taskQueue: x.taskQueue?.name ? x.taskQueue : { name: e.s.taskQueue },
        input: x.input,
        workflowRunTimeout: x.workflowRunTimeout ?? msDur(e.s.runTimeoutMs),
        workflowExecutionTimeout: msDur(e.s.execTimeoutMs),
        workflowTaskTimeout: x.workflowTaskTimeout ?? msDur(e.s.wftTimeoutMs),
        header: x.header,
        memo: x.memo ?? e.s.memo,
        searchAttributes:
          x.searchAttributes ?? (e.s.searchAttributes ? { indexedFields: e.s.searchAttributes } : undefined),
        retryPolicy: x.retryPolicy ?? e.s.retryPolicy,
        requestId: randomUUID(),
      },
      {
        parent: e.s.parent,
        execDeadline: e.s.execDeadline || undefined,
        root: { wid: e.s.rootWorkflowId, rid: e.s.rootRunId },
        continuedFrom: e,
        firstRunId: e.s.firstRunId,
        backoffMs: durMs(x.backoffStartInterval),
        lastCompletionResult: x.lastCompletionResult,
        continuedFailure: x.failure,
        initiator: x.initiator || ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_WORKFLOW,
      },
    );
  // Close first (so the new run becomes "current"), then start it.
  const placeholder = randomUUID();
  closeExec(
    eng,
    e,
    WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
    {
      newExecutionRunId: placeholder,
      workflowType: x.workflowType?.name ? x.workflowType : { name: e.s.workflowType },
      taskQueue: { name: x.taskQueue?.name || e.s.taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      input: x.input,
      workflowRunTimeout: x.workflowRunTimeout,
      workflowTaskTimeout: x.workflowTaskTimeout,
      workflowTaskCompletedEventId: completedId,
      backoffStartInterval: x.backoffStartInterval,
      initiator: x.initiator || ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_WORKFLOW,
      header: x.header,
      memo: x.memo,
      searchAttributes: x.searchAttributes,
    },
  );
  const n = newRun();
  const closeEvt = e.events[e.events.length - 1];
  attrsOf(closeEvt).newExecutionRunId = n.s.runId;
  e.s.newRunId = n.s.runId;
  relinkChild(eng, e, n);
  return false;
}

function startChildWorkflowExecution({ eng, e, completedId, post }: CommandContext, c: any): boolean {
  // The child's own start carries the command's summary/details.
  const x = { ...c.startChildWorkflowExecutionCommandAttributes, userMetadata: c.userMetadata };
  const ns = x.namespace || e.s.ns;
  const evt = eng.append(e, EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED, {
    namespace: ns,
    workflowId: x.workflowId,
    workflowType: x.workflowType,
    taskQueue: { name: x.taskQueue?.name || e.s.taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    input: x.input,
    workflowExecutionTimeout: x.workflowExecutionTimeout,
    workflowRunTimeout: x.workflowRunTimeout,
    workflowTaskTimeout: x.workflowTaskTimeout,
    parentClosePolicy: x.parentClosePolicy,
    control: x.control,
    workflowTaskCompletedEventId: completedId,
    workflowIdReusePolicy: x.workflowIdReusePolicy,
    retryPolicy: x.retryPolicy,
    cronSchedule: x.cronSchedule,
    header: x.header,
    memo: x.memo,
    searchAttributes: eng.tagSa(x.searchAttributes),
    priority: x.priority,
  });
  const initiatedId = evt.eventId;
  post.push(() => startChild(eng, e, x, ns, initiatedId, completedId));
  return false;
}

function signalExternalWorkflowExecution({ eng, e, completedId, post }: CommandContext, c: any): boolean {
  const x = c.signalExternalWorkflowExecutionCommandAttributes ?? {};
  const ns = x.namespace || e.s.ns;
  const evt = eng.append(e, EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED, {
    namespace: ns,
    workflowExecution: x.execution,
    signalName: x.signalName,
    input: x.input,
    control: x.control,
    childWorkflowOnly: x.childWorkflowOnly,
    header: x.header,
    workflowTaskCompletedEventId: completedId,
  });
  const initiatedId = evt.eventId;
  post.push(() => {
    let target: Exec | undefined;
    try {
      target = eng.exec(ns, x.execution?.workflowId, x.execution?.runId || undefined);
    } catch {
      target = undefined;
    }
    if (target && target.running) {
      signal(eng, target, {
        signalName: x.signalName,
        input: x.input,
        identity: `workflow:${e.s.workflowId}`,
        header: x.header,
      });
      eng.addExternal(e, EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED, {
        initiatedEventId: initiatedId,
        namespace: ns,
        workflowExecution: { workflowId: target.s.workflowId, runId: target.s.runId },
        control: x.control,
      });
    } else {
      eng.addExternal(e, EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED, {
        cause:
          SignalExternalWorkflowExecutionFailedCause.SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND,
        initiatedEventId: initiatedId,
        namespace: ns,
        workflowExecution: x.execution,
        control: x.control,
        workflowTaskCompletedEventId: completedId,
      });
    }
  });
  return false;
}

function requestCancelExternalWorkflowExecution({ eng, e, completedId, post }: CommandContext, c: any): boolean {
  const x = c.requestCancelExternalWorkflowExecutionCommandAttributes ?? {};
  const ns = x.namespace || e.s.ns;
  const execution = { workflowId: x.workflowId, runId: x.runId };
  const evt = eng.append(e, EventType.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED, {
    namespace: ns,
    workflowExecution: execution,
    control: x.control,
    childWorkflowOnly: x.childWorkflowOnly,
    reason: x.reason,
    workflowTaskCompletedEventId: completedId,
  });
  const initiatedId = evt.eventId;
  post.push(() => {
    let target: Exec | undefined;
    try {
      target = eng.exec(ns, x.workflowId, x.runId || undefined);
    } catch {
      target = undefined;
    }
    if (target && target.running) {
      requestCancel(eng, target, x.reason || 'cancel requested by workflow', `workflow:${e.s.workflowId}`, {
        initiatedId,
        execution: { workflowId: e.s.workflowId, runId: e.s.runId },
      });
      eng.addExternal(e, EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED, {
        initiatedEventId: initiatedId,
        namespace: ns,
        workflowExecution: { workflowId: target.s.workflowId, runId: target.s.runId },
      });
    } else {
      eng.addExternal(e, EventType.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED, {
        cause:
          CancelExternalWorkflowExecutionFailedCause.CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND,
        initiatedEventId: initiatedId,
        namespace: ns,
        workflowExecution: execution,
        control: x.control,
        workflowTaskCompletedEventId: completedId,
      });
    }
  });
  return false;
}

const handlers: Partial<Record<number, (cx: CommandContext, c: any) => boolean>> = {
  [CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK]: scheduleActivityTask,
  [CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK]: requestCancelActivityTask,
  [CommandType.COMMAND_TYPE_START_TIMER]: startTimer,
  [CommandType.COMMAND_TYPE_CANCEL_TIMER]: cancelTimer,
  [CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION]: completeWorkflowExecution,
  [CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION]: failWorkflowExecution,
  [CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION]: cancelWorkflowExecution,
  [CommandType.COMMAND_TYPE_RECORD_MARKER]: recordMarker,
  [CommandType.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES]: upsertWorkflowSearchAttributes,
  [CommandType.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES]: modifyWorkflowProperties,
  [CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION]: continueAsNewWorkflowExecution,
  [CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION]: startChildWorkflowExecution,
  [CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION]: signalExternalWorkflowExecution,
  [CommandType.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION]: requestCancelExternalWorkflowExecution,
};
