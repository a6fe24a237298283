// Activity pause / unpause / reset (PauseActivity, UnpauseActivity, ResetActivity).
//
// Like Temporal: a pause or reset of a *running* attempt only flags it (the
// worker learns it from its next heartbeat response: activityPaused /
// activityReset, and cancels the attempt); a paused activity gets no new
// attempt until it is unpaused; a reset makes the attempt count start again
// from 1 (for a running attempt, from its end on).
import type { temporal } from '@temporalio/proto';
import { type Exec, type ActivityState } from './history.js';
import { durMs } from './proto.js';
import { failedPrecondition, notFound, invalid } from './grpc.js';
import type { Engine } from './engine.js';
import { armRetry } from './activityTask.js';

/** The activities a Pause/Unpause/ResetActivity request names (by id, by type, or all). */
export function targetActivities(eng: Engine, r: any, all: boolean): { e: Exec; list: ActivityState[] } {
  const e = eng.execOf(r.execution, r.namespace);
  if (!e.running) throw notFound('workflow execution already completed');
  const acts = Object.values(e.s.activities);
  let list: ActivityState[];
  if (r.id) list = acts.filter((a) => a.activityId === r.id);
  else if (r.type) list = acts.filter((a) => a.activityType === r.type);
  else if (all) list = acts;
  else throw invalid('either activity id or activity type must be provided');
  if (r.id && !list.length)
    throw notFound('invalid activityID or activity already timed out or invoking workflow is completed');
  return { e, list };
}

/**
 * Makes a not-running activity wait for attempt `next`, dispatched after
 * `delayMs` unless it is paused (then on unpause).
 */
export function pendAttempt(eng: Engine, e: Exec, a: ActivityState, next: number, delayMs: number): void {
  eng.cancelTimer(e, `act:${a.scheduledId}:s2s`);
  eng.cancelTimer(e, `act:${a.scheduledId}:retry`);
  a.state = 'backoff';
  a.attempt = next - 1;
  a.retryAt = eng.clock.now() + delayMs;
  if (!a.paused) armRetry(eng, e, a);
}

export function nextAttempt(a: ActivityState): number {
  return a.state === 'backoff' ? a.attempt + 1 : a.attempt;
}

export function pauseActivity(eng: Engine, r: temporal.api.workflowservice.v1.IPauseActivityRequest) {
  const { e, list } = targetActivities(eng, r, false);
  for (const a of list) {
    if (a.paused) {
      if (r.id && !(r.requestId && a.paused.requestId === r.requestId))
        throw failedPrecondition('activity is already paused');
      continue;
    }
    a.paused = {
      time: eng.clock.now(),
      identity: r.identity ?? undefined,
      reason: r.reason ?? undefined,
      requestId: r.requestId ?? undefined,
    };
    // A pending attempt is held back; a running one is told by its next heartbeat.
    if (a.state !== 'started') pendAttempt(eng, e, a, nextAttempt(a), 0);
  }
  eng.touch(e);
  eng.flush();
  return {};
}

export function unpauseActivity(eng: Engine, r: temporal.api.workflowservice.v1.IUnpauseActivityRequest) {
  const { e, list } = targetActivities(eng, r, !!r.unpauseAll);
  const jitter = durMs(r.jitter);
  for (const a of list) {
    if (!a.paused) {
      if (r.id) throw failedPrecondition('activity is not paused');
      continue;
    }
    a.paused = undefined;
    if (r.resetHeartbeat) {
      a.heartbeatDetails = undefined;
      a.lastHeartbeat = 0;
    }
    if (a.state === 'started') {
      if (r.resetAttempts) a.restartCount = true;
    } else {
      pendAttempt(eng, e, a, r.resetAttempts ? 1 : nextAttempt(a), jitter ? Math.floor(Math.random() * jitter) : 0);
    }
  }
  eng.touch(e);
  eng.flush();
  return {};
}

export function resetActivity(eng: Engine, r: temporal.api.workflowservice.v1.IResetActivityRequest) {
  const { e, list } = targetActivities(eng, r, !!r.matchAll);
  const jitter = durMs(r.jitter);
  for (const a of list) {
    if (a.state === 'started') {
      // The running attempt is told through its heartbeats; the count starts
      // again when it ends (its task token stays valid meanwhile).
      a.reset = true;
      a.restartCount = true;
      if (r.resetHeartbeat) a.resetHeartbeat = true;
      continue;
    }
    if (r.resetHeartbeat) {
      a.heartbeatDetails = undefined;
      a.lastHeartbeat = 0;
    }
    if (a.paused && !r.keepPaused) a.paused = undefined;
    pendAttempt(eng, e, a, 1, jitter ? Math.floor(Math.random() * jitter) : 0);
  }
  eng.touch(e);
  eng.flush();
  return {};
}
