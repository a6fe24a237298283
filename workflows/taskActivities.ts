/**
 * The activities a reform task's workflow calls, with their timeouts and
 * retries, and the order stamp every projection carries.
 */
import { patched, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { DubanActivities } from '../activities/types';

const RETRY = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' } as const;
export const { loadCalendar, loadPlanSettings } = proxyActivities<DubanActivities>({
  startToCloseTimeout: '1 minute',
  retry: RETRY,
});
/**
 * A projection takes milliseconds; when the worker running it dies (kill -9),
 * only its start-to-close timeout brings it back, and every later command of
 * the task waits behind it. 20 seconds, not a minute: the read model catches up
 * soon after a crash (the fault test found a one-minute lag at its end).
 */
export const { projectTask: projectTaskV1 } = proxyActivities<DubanActivities>({
  startToCloseTimeout: '20 seconds',
  retry: RETRY,
});
/**
 * The projection is a short, idempotent write to the read model that every
 * command waits for. From 'projection-as-activity' on it is a regular
 * activity again: as a local activity, its result and an Update that arrived
 * while it ran could be taken in one order the first time and in the other on
 * replay (the soak's "Activity machine does not handle TimerCanceled": a
 * handler scheduled deliverNotice right after its projection resolved, while
 * the main loop answered the Update's wake-up). A regular activity's result
 * comes in its own workflow task, in history order both times. Histories
 * between the two patches keep the local activity.
 */
const { projectTask: projectTaskLocal } = proxyLocalActivities<DubanActivities>({
  startToCloseTimeout: '30 seconds',
  retry: RETRY,
});
/** Histories recorded before the change (tests/fixtures/histories) scheduled it as a normal activity. */
export const projectTask: DubanActivities['projectTask'] = (input) =>
  patched('projection-as-activity')
    ? projectTaskV1(input)
    : patched('projection-as-local-activity')
      ? projectTaskLocal(input)
      : projectTaskV1(input);
/** Notices may take a while (many recipients, slow SMTP) but heartbeat: a dead worker is noticed in seconds. */
export const { deliverNotice } = proxyActivities<DubanActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '10 seconds',
  retry: RETRY,
});

/**
 * Which execution of the workflow makes a projection, for the read model to
 * order writes by (activities/index.ts): the run's start (a continued-as-new run
 * starts its history over), the history length when the workflow task started,
 * and that task's time. The history length alone repeats: every retry of a
 * failing workflow task, and the task that replaces one lost in an engine
 * restart, starts at the same event id as the attempt before it, whose local
 * activities may still be writing. A later attempt starts later.
 */
export function projectionOrder(): string {
  const info = workflowInfo();
  const pad = (n: number, width: number) => String(Math.max(0, Math.floor(n))).padStart(width, '0');
  return [pad(info.runStartTime.getTime(), 15), pad(info.historyLength, 10), pad(Date.now(), 15)].join('.');
}
