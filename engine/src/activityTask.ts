// Activity tasks: dispatch, start, heartbeats, completion (by token or id), retries, the four timeouts.
import type { temporal } from '@temporalio/proto';
import * as grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { type Exec, attrsOf, retryToProto, nextRetry, type ActivityState } from './history.js';
import { ts } from './proto.js';
import { notFound } from './grpc.js';
import type { Engine } from './engine.js';
import { blobSize, blobTooLarge } from './commandChecks.js';
import { EventType, RetryState, TimeoutType } from './enums.js';
import { parseToken, token } from './tokens.js';
import { scheduleWft } from './workflowTask.js';

export function armActivity(eng: Engine, e: Exec, a: ActivityState): void {
  const k = `act:${a.scheduledId}`;
  if (a.s2cMs)
    eng.timer(e, `${k}:s2c`, a.scheduledTime + a.s2cMs, () =>
      activityTimeout(eng, e, a.scheduledId, a.attempt, TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE),
    );
  if (a.state === 'backoff') {
    eng.timer(e, `${k}:retry`, a.retryAt, () => retryActivity(eng, e, a.scheduledId, a.attempt));
  } else if (a.state === 'scheduled') {
    dispatchActivity(eng, e, a);
  } else {
    eng.timer(e, `${k}:st2c`, a.startedTime + a.st2cMs, () =>
      activityTimeout(eng, e, a.scheduledId, a.attempt, TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE),
    );
    if (a.hbMs)
      eng.timer(e, `${k}:hb`, Math.max(a.lastHeartbeat, a.startedTime) + a.hbMs, () =>
        activityTimeout(eng, e, a.scheduledId, a.attempt, TimeoutType.TIMEOUT_TYPE_HEARTBEAT),
      );
  }
}

export function dispatchActivity(eng: Engine, e: Exec, a: ActivityState): void {
  const attempt = a.attempt;
  if (a.s2sMs)
    eng.timer(e, `act:${a.scheduledId}:s2s`, a.attemptScheduledTime + a.s2sMs, () =>
      activityTimeout(eng, e, a.scheduledId, attempt, TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START),
    );
  eng.matching.add(`${e.s.ns}|a|${a.taskQueue}`, { start: () => startActivity(eng, e, a.scheduledId, attempt) });
}

export function startActivity(eng: Engine, e: Exec, sid: number, attempt: number): any | null {
  const a = e.s.activities[sid];
  if (!e.running || !a || a.attempt !== attempt || a.state !== 'scheduled' || a.paused) return null;
  const now = eng.clock.now();
  a.state = 'started';
  a.startedTime = now;
  a.lastHeartbeat = 0;
  a.requestId = randomUUID();
  const k = `act:${sid}`;
  eng.cancelTimer(e, `${k}:s2s`);
  eng.timer(e, `${k}:st2c`, now + a.st2cMs, () =>
    activityTimeout(eng, e, sid, attempt, TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE),
  );
  if (a.hbMs)
    eng.timer(e, `${k}:hb`, now + a.hbMs, () =>
      activityTimeout(eng, e, sid, attempt, TimeoutType.TIMEOUT_TYPE_HEARTBEAT),
    );
  eng.touch(e);
  eng.flush();
  const sched = attrsOf(e.events[sid - 1]);
  return {
    taskToken: token({ k: 'a', r: e.s.runId, s: sid, a: attempt }),
    workflowNamespace: e.s.ns,
    workflowType: { name: e.s.workflowType },
    workflowExecution: { workflowId: e.s.workflowId, runId: e.s.runId },
    activityType: sched.activityType,
    activityId: a.activityId,
    header: sched.header,
    input: sched.input,
    heartbeatDetails: a.heartbeatDetails,
    scheduledTime: ts(a.scheduledTime),
    currentAttemptScheduledTime: ts(a.attemptScheduledTime),
    startedTime: ts(now),
    attempt,
    // Always present (zero = unlimited): the SDK requires these fields.
    scheduleToCloseTimeout: dur0(a.s2cMs),
    startToCloseTimeout: dur0(a.st2cMs),
    heartbeatTimeout: dur0(a.hbMs),
    retryPolicy: retryToProto(a.retry),
    priority: sched.priority,
  };
}

export function clearActivityTimers(eng: Engine, e: Exec, sid: number): void {
  for (const s of ['s2c', 's2s', 'st2c', 'hb', 'retry']) eng.cancelTimer(e, `act:${sid}:${s}`);
}

/** Closes an activity with a terminal event (completed/failed/timed out/canceled). */
export function closeActivity(eng: Engine, e: Exec, a: ActivityState, type: number, attrs: any): void {
  clearActivityTimers(eng, e, a.scheduledId);
  delete e.s.activities[a.scheduledId];
  const w = e.s.wft;
  const buffering = !!(w && w.startedId);
  const started = a.state === 'started';
  if (buffering) {
    if (started)
      e.s.buffered.push({
        type: EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
        attrs: {
          scheduledEventId: a.scheduledId,
          identity: a.identity,
          requestId: a.requestId,
          attempt: a.attempt,
          lastFailure: a.lastFailure,
        },
      });
    e.s.buffered.push({
      type,
      attrs: { ...attrs, scheduledEventId: a.scheduledId, startedEventId: started ? '$prev' : 0 },
    });
    eng.touch(e);
    return;
  }
  if (w && w.transient) {
    e.s.wft = null;
  }
  let startedId = 0;
  if (started)
    startedId = eng.append(e, EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED, {
      scheduledEventId: a.scheduledId,
      identity: a.identity,
      requestId: a.requestId,
      attempt: a.attempt,
      lastFailure: a.lastFailure,
    }).eventId;
  eng.append(e, type, { ...attrs, scheduledEventId: a.scheduledId, startedEventId: startedId });
  scheduleWft(eng, e);
}

export function activityFromToken(eng: Engine, tok: any): { e: Exec; a: ActivityState } {
  const e = eng.runs.get(tok.r);
  const a = e?.s.activities[tok.s];
  if (!e || !e.running || !a || a.attempt !== tok.a || a.state !== 'started')
    throw notFound('activity task not found (completed, timed out, or the workflow closed)');
  return { e, a };
}

export function activityById(eng: Engine, r: any): { e: Exec; a: ActivityState } {
  const e = eng.exec(r.namespace, r.workflowId, r.runId || undefined);
  const a = Object.values(e.s.activities).find((x) => x.activityId === r.activityId);
  if (!e.running || !a) throw notFound(`activity ${r.activityId} not found`);
  if (a.state !== 'started') throw notFound(`activity ${r.activityId} is not started`);
  return { e, a };
}

/**
 * A running attempt ends (failure or timeout). After a ResetActivity the
 * attempt count starts again from 1, as on Temporal (the reset sets the
 * attempt to 1 while the old attempt still runs).
 */
export function endAttempt(a: ActivityState): void {
  if (!a.restartCount) return;
  a.attempt = 1;
  a.reset = false;
  a.restartCount = false;
}

export function activityFailed(
  eng: Engine,
  e: Exec,
  a: ActivityState,
  failure: any,
  identity?: string,
  details?: any,
): void {
  const now = eng.clock.now();
  if (details) a.heartbeatDetails = details;
  endAttempt(a);
  const deadline = a.s2cMs ? a.scheduledTime + a.s2cMs : 0;
  const d = a.cancelRequestedId
    ? { retryState: RetryState.RETRY_STATE_CANCEL_REQUESTED }
    : nextRetry(a.retry, a.attempt, failure, now, deadline);
  if ('backoffMs' in d) {
    scheduleRetry(eng, e, a, failure, d.backoffMs);
    return;
  }
  a.identity = identity ?? a.identity;
  closeActivity(eng, e, a, EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED, { failure, identity, retryState: d.retryState });
}

export function scheduleRetry(eng: Engine, e: Exec, a: ActivityState, failure: any, backoffMs: number): void {
  clearActivityTimers(eng, e, a.scheduledId);
  a.lastFailure = failure;
  a.state = 'backoff';
  a.retryAt = eng.clock.now() + backoffMs;
  eng.touch(e);
  if (a.s2cMs)
    eng.timer(e, `act:${a.scheduledId}:s2c`, a.scheduledTime + a.s2cMs, () =>
      activityTimeout(eng, e, a.scheduledId, a.attempt + 1, TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE),
    );
  // A paused activity keeps its retry pending until it is unpaused.
  if (!a.paused) armRetry(eng, e, a);
}

export function armRetry(eng: Engine, e: Exec, a: ActivityState): void {
  const attempt = a.attempt;
  eng.timer(e, `act:${a.scheduledId}:retry`, a.retryAt, () => retryActivity(eng, e, a.scheduledId, attempt));
}

export function retryActivity(eng: Engine, e: Exec, sid: number, attempt: number): void {
  const a = e.s.activities[sid];
  if (!a || a.attempt !== attempt || a.state !== 'backoff' || a.paused) return;
  a.attempt++;
  if (a.resetHeartbeat) {
    a.heartbeatDetails = undefined;
    a.lastHeartbeat = 0;
    a.resetHeartbeat = false;
  }
  a.state = 'scheduled';
  a.attemptScheduledTime = eng.clock.now();
  eng.touch(e);
  dispatchActivity(eng, e, a);
}

export function activityTimeout(eng: Engine, e: Exec, sid: number, attempt: number, timeoutType: number): void {
  const a = e.s.activities[sid];
  if (!a) return;
  // Schedule-to-close is one deadline for the activity's whole life (all attempts).
  if (timeoutType !== TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE && a.attempt !== attempt) return;
  if (timeoutType === TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START && a.state !== 'scheduled') return;
  if (
    (timeoutType === TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE || timeoutType === TimeoutType.TIMEOUT_TYPE_HEARTBEAT) &&
    a.state !== 'started'
  )
    return;
  const names: Record<number, string> = {
    [TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE]: 'StartToClose',
    [TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START]: 'ScheduleToStart',
    [TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE]: 'ScheduleToClose',
    [TimeoutType.TIMEOUT_TYPE_HEARTBEAT]: 'Heartbeat',
  };
  const failure = {
    message: `activity ${names[timeoutType]} timeout`,
    source: 'Server',
    timeoutFailureInfo: { timeoutType, lastHeartbeatDetails: a.heartbeatDetails },
    cause: a.lastFailure,
  };
  if (timeoutType === TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE || timeoutType === TimeoutType.TIMEOUT_TYPE_HEARTBEAT) {
    endAttempt(a);
    const deadline = a.s2cMs ? a.scheduledTime + a.s2cMs : 0;
    const d = nextRetry(a.retry, a.attempt, failure, eng.clock.now(), deadline);
    if ('backoffMs' in d) {
      scheduleRetry(eng, e, a, failure, d.backoffMs);
      return;
    }
    closeActivity(eng, e, a, EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT, { failure, retryState: d.retryState });
    return;
  }
  closeActivity(eng, e, a, EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT, {
    failure,
    retryState:
      timeoutType === TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE
        ? RetryState.RETRY_STATE_TIMEOUT
        : RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE,
  });
}

export function pollActivityTaskQueue(
  eng: Engine,
  r: temporal.api.workflowservice.v1.IPollActivityTaskQueueRequest,
  call: grpc.ServerUnaryCall<any, any>,
) {
  const ns = r.namespace || 'default';
  eng.ns(ns);
  return eng.matching.poll(`${ns}|a|${r.taskQueue?.name}`, {
    identity: r.identity ?? undefined,
    workerInstanceKey: r.workerInstanceKey ?? undefined,
    onCancel: (f) => call.on('cancelled', f),
    alive: () => !call.cancelled,
  });
}

export function actDone(
  eng: Engine,
  kind: 'completed' | 'failed' | 'canceled',
  e: Exec,
  a: ActivityState,
  r: any,
): void {
  a.identity = r.identity || a.identity;
  // Like Temporal's frontend: an oversized result or failure becomes a
  // non-retryable server failure of the activity.
  const tooBig = (message: string) => ({ message, source: 'Server', serverFailureInfo: { nonRetryable: true } });
  if (kind === 'completed' && blobTooLarge(eng, blobSize('payloads', r.result))) {
    kind = 'failed';
    r = { ...r, failure: tooBig('Complete result exceeds size limit.') };
  } else if (kind === 'failed' && blobTooLarge(eng, blobSize('failure', r.failure))) {
    r = { ...r, failure: tooBig('Failure exceeds size limit.') };
  }
  if (kind === 'completed')
    closeActivity(eng, e, a, EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, { result: r.result, identity: r.identity });
  else if (kind === 'failed') activityFailed(eng, e, a, r.failure, r.identity, r.lastHeartbeatDetails);
  else
    closeActivity(eng, e, a, EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED, {
      details: r.details,
      latestCancelRequestedEventId: a.cancelRequestedId,
      identity: r.identity,
    });
  eng.flush();
}

export function respondActivityTaskCompleted(
  eng: Engine,
  r: temporal.api.workflowservice.v1.IRespondActivityTaskCompletedRequest,
) {
  eng.ns(r.namespace);
  const { e, a } = activityFromToken(eng, parseToken(r.taskToken));
  actDone(eng, 'completed', e, a, r);
  return {};
}

export function respondActivityTaskFailed(
  eng: Engine,
  r: temporal.api.workflowservice.v1.IRespondActivityTaskFailedRequest,
) {
  eng.ns(r.namespace);
  const { e, a } = activityFromToken(eng, parseToken(r.taskToken));
  actDone(eng, 'failed', e, a, r);
  return {};
}

export function respondActivityTaskCanceled(
  eng: Engine,
  r: temporal.api.workflowservice.v1.IRespondActivityTaskCanceledRequest,
) {
  eng.ns(r.namespace);
  const { e, a } = activityFromToken(eng, parseToken(r.taskToken));
  actDone(eng, 'canceled', e, a, r);
  return {};
}

export function respondActivityTaskCompletedById(
  eng: Engine,
  r: temporal.api.workflowservice.v1.IRespondActivityTaskCompletedByIdRequest,
) {
  const { e, a } = activityById(eng, r);
  actDone(eng, 'completed', e, a, r);
  return {};
}

export function respondActivityTaskFailedById(
  eng: Engine,
  r: temporal.api.workflowservice.v1.IRespondActivityTaskFailedByIdRequest,
) {
  const { e, a } = activityById(eng, r);
  actDone(eng, 'failed', e, a, r);
  return {};
}

export function respondActivityTaskCanceledById(
  eng: Engine,
  r: temporal.api.workflowservice.v1.IRespondActivityTaskCanceledByIdRequest,
) {
  const { e, a } = activityById(eng, r);
  actDone(eng, 'canceled', e, a, r);
  return {};
}

export function heartbeat(eng: Engine, e: Exec, a: ActivityState, r: any) {
  a.heartbeatDetails = r.details ?? a.heartbeatDetails;
  a.lastHeartbeat = eng.clock.now();
  if (a.hbMs) {
    const sid = a.scheduledId;
    const attempt = a.attempt;
    eng.timer(e, `act:${sid}:hb`, a.lastHeartbeat + a.hbMs, () =>
      activityTimeout(eng, e, sid, attempt, TimeoutType.TIMEOUT_TYPE_HEARTBEAT),
    );
  }
  eng.touch(e);
  eng.flush();
  return { cancelRequested: a.cancelRequestedId > 0, activityPaused: !!a.paused, activityReset: !!a.reset };
}

export function recordActivityTaskHeartbeat(
  eng: Engine,
  r: temporal.api.workflowservice.v1.IRecordActivityTaskHeartbeatRequest,
) {
  eng.ns(r.namespace);
  const { e, a } = activityFromToken(eng, parseToken(r.taskToken));
  return heartbeat(eng, e, a, r);
}

export function recordActivityTaskHeartbeatById(
  eng: Engine,
  r: temporal.api.workflowservice.v1.IRecordActivityTaskHeartbeatByIdRequest,
) {
  const { e, a } = activityById(eng, r);
  return heartbeat(eng, e, a, r);
}

function dur0(ms: number) {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}
