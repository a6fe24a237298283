// Workflow tasks: scheduling (sticky, transient, speculative), start, failure/timeout, completion.
import type { temporal } from '@temporalio/proto';
import * as grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { type Exec, makeEvent, attrsOf, type ExecState, type ActivityState } from './history.js';
import { durMs, msDur, ts, encode, T, anyPack, anyUnpack } from './proto.js';
import { notFound, invalid } from './grpc.js';
import type { Engine } from './engine.js';
import { activityTimeout, startActivity } from './activityTask.js';
import { oversizedCommand, validateCommands } from './commandChecks.js';
import { applyCommand } from './commands.js';
import {
  CommandType,
  EventType,
  RetryState,
  TaskQueueKind,
  TimeoutType,
  WorkerVersioningMode,
  WorkflowExecutionStatus,
  WorkflowTaskFailedCause,
} from './enums.js';
import { closeExec } from './lifecycle.js';
import { parseToken, token } from './tokens.js';
import { handleMessage } from './updates.js';

/** Commands that close the run: refused (UNHANDLED_COMMAND) while new events wait in the buffer. */
const closeCommands = new Set<number>([
  CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
]);
export const DEFAULT_WFT_TIMEOUT = 10_000;
/** A sticky queue nobody has polled for this long has lost its worker. */
const STICKY_POLLER_GONE_MS = 1000;

export function scheduleWft(
  eng: Engine,
  e: Exec,
  attempt = 1,
  opts: { transient?: boolean; speculative?: boolean } = {},
): void {
  if (!e.running || e.s.wft) return;
  if (e.s.firstWftAt > 0) return; // start delay pending; the delayed task sees all events
  if (e.s.wftRetry) {
    // New events end the backoff of a failing task: retry now, as a normal task.
    e.s.wftRetry = undefined;
    eng.cancelTimer(e, 'wftRetry');
  }
  const now = eng.clock.now();
  const transient = !!(opts.transient || opts.speculative);
  e.s.wft = {
    scheduledId: transient ? 0 : e.nextEventId,
    startedId: 0,
    attempt,
    transient,
    speculative: !!opts.speculative,
    scheduledTime: now,
    startedTime: 0,
    timeoutMs: e.s.wftTimeoutMs || DEFAULT_WFT_TIMEOUT,
    onSticky: false,
  };
  if (!transient) {
    eng.append(e, EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, {
      taskQueue: { name: e.s.taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      startToCloseTimeout: msDur(e.s.wft.timeoutMs),
      attempt,
    });
  }
  eng.touch(e);
  enqueueWft(eng, e);
}

export function enqueueWft(eng: Engine, e: Exec): void {
  if (eng.holdWft) return; // eager start: started by StartWorkflowExecution itself
  const w = e.s.wft!;
  const sticky = e.s.sticky;
  const key = sticky ? `${e.s.ns}|w|${sticky.queue}` : '';
  if (sticky && eng.matching.hasRecentPoller(key, STICKY_POLLER_GONE_MS)) {
    eng.matching.add(key, { start: () => startWft(eng, e, w, true) });
    const fallBack = () => {
      if (e.s.wft === w && !w.startedId) {
        e.s.sticky = undefined;
        eng.matching.add(`${e.s.ns}|w|${e.s.taskQueue}`, { start: () => startWft(eng, e, w, false) });
      }
    };
    // Sticky schedule-to-start: fall back to the normal queue (full history) if
    // the sticky worker does not pick the task up in time, or sooner once its
    // polls are gone (a killed worker), like Temporal's sticky-worker-unavailable check.
    const deadline = eng.clock.now() + sticky.timeoutMs;
    const check = () => {
      if (e.s.wft !== w || w.startedId) return;
      if (eng.clock.now() >= deadline || !eng.matching.hasRecentPoller(key, STICKY_POLLER_GONE_MS)) fallBack();
      else eng.timer(e, 'wftS2S', Math.min(deadline, eng.clock.now() + STICKY_POLLER_GONE_MS), check);
    };
    eng.timer(e, 'wftS2S', Math.min(deadline, eng.clock.now() + STICKY_POLLER_GONE_MS), check);
  } else {
    // No worker polls the sticky queue (it was killed or shut down): normal queue, full history.
    if (sticky) e.s.sticky = undefined;
    eng.matching.add(`${e.s.ns}|w|${e.s.taskQueue}`, { start: () => startWft(eng, e, w, false) });
  }
}

export function startWft(eng: Engine, e: Exec, w: any, sticky: boolean): any | null {
  if (e.s.wft !== w || w.startedId || !e.running) return null;
  const now = eng.clock.now();
  w.startedTime = now;
  w.onSticky = sticky;
  w.requestId = randomUUID();
  let transientEvents: any[] = [];
  // Temporal's default continue-as-new suggestion thresholds (4Ki events / 4 MiB).
  // Events not committed yet (a poller was already waiting) count too.
  let size = e.historyBytes;
  for (let i = e.persisted; i < e.historyLength; i++) size += encode(T.HistoryEvent(), e.events[i]).length;
  const started = {
    historySizeBytes: size,
    suggestContinueAsNew: e.historyLength >= 4096 || size >= 4 * 1024 * 1024,
  };
  if (w.transient) {
    w.scheduledId = e.nextEventId;
    w.startedId = e.nextEventId + 1;
    transientEvents = [
      makeEvent(
        w.scheduledId,
        EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
        {
          taskQueue: { name: e.s.taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          startToCloseTimeout: msDur(w.timeoutMs),
          attempt: w.attempt,
        },
        w.scheduledTime,
      ),
      makeEvent(
        w.startedId,
        EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
        { scheduledEventId: w.scheduledId, requestId: w.requestId, ...started },
        now,
      ),
    ];
    w.transientEvents = transientEvents;
  } else {
    w.startedId = e.nextEventId;
    eng.append(e, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, {
      scheduledEventId: w.scheduledId,
      requestId: w.requestId,
      ...started,
    });
  }
  eng.cancelTimer(e, 'wftS2S');
  eng.timer(e, 'wft', now + w.timeoutMs, () => wftTimeout(eng, e, w.scheduledId, w.attempt));
  eng.touch(e);
  // Commit the Started event before the task leaves the engine.
  eng.flush();
  const from = sticky && e.s.lastCompletedStartedId > 0 ? e.s.lastCompletedStartedId : 0;
  const events = from ? e.events.slice(from) : e.events.slice();
  const messages = [];
  for (const u of e.rt.updates.values()) {
    if (u.state !== 'admitted') continue;
    messages.push({
      id: `${u.id}/request`,
      protocolInstanceId: u.id,
      eventId: w.startedId - 1,
      body: anyPack('temporal.api.update.v1.Request', u.request),
    });
  }
  return {
    taskToken: token({ k: 'w', r: e.s.runId, s: w.scheduledId, a: w.attempt, q: w.requestId }),
    workflowExecution: { workflowId: e.s.workflowId, runId: e.s.runId },
    workflowType: { name: e.s.workflowType },
    previousStartedEventId: e.s.lastCompletedStartedId,
    startedEventId: w.startedId,
    attempt: w.attempt,
    history: { events: events.concat(transientEvents) },
    workflowExecutionTaskQueue: { name: e.s.taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    scheduledTime: ts(w.scheduledTime),
    startedTime: ts(now),
    messages,
  };
}

export function wftFromToken(eng: Engine, tok: any): { e: Exec; w: NonNullable<ExecState['wft']> } {
  const e = eng.runs.get(tok.r);
  const w = e?.s.wft;
  if (
    !e ||
    !e.running ||
    !w ||
    w.scheduledId !== tok.s ||
    w.attempt !== tok.a ||
    !w.startedId ||
    (tok.q !== undefined && tok.q !== w.requestId)
  )
    throw notFound('workflow task not found (already completed, timed out, or the workflow closed)');
  return { e, w };
}

export function wftTimeout(eng: Engine, e: Exec, scheduledId: number, attempt: number): void {
  const w = e.s.wft;
  if (!w || w.scheduledId !== scheduledId || w.attempt !== attempt || !w.startedId) return;
  failWft(eng, e, w, { timeout: true });
}

/** Shared by RespondWorkflowTaskFailed and the start-to-close timeout. */
export function failWft(
  eng: Engine,
  e: Exec,
  w: NonNullable<ExecState['wft']>,
  o: { timeout?: boolean; cause?: number; failure?: any; identity?: string },
): void {
  eng.cancelTimer(e, 'wft');
  e.s.sticky = undefined; // the worker evicts the run; the next attempt needs full history
  e.s.wft = null;
  if (w.speculative && w.transient && w.attempt === 1) {
    // Like Temporal, a speculative task that fails becomes a normal one: its
    // Scheduled/Started events are written, followed by the failure.
    for (const te of w.transientEvents ?? []) {
      te.eventId = e.nextEventId;
      e.events.push(te);
    }
    w.scheduledId = e.nextEventId - 2;
    w.startedId = e.nextEventId - 1;
    w.transient = false;
    eng.touch(e);
  }
  if (!w.transient) {
    if (o.timeout) {
      eng.append(e, EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT, {
        scheduledEventId: w.scheduledId,
        startedEventId: w.startedId,
        timeoutType: TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE,
      });
    } else {
      eng.append(e, EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, {
        scheduledEventId: w.scheduledId,
        startedEventId: w.startedId,
        cause: o.cause ?? WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNSPECIFIED,
        failure: o.failure,
        identity: o.identity,
      });
    }
  }
  const hadBuffered = eng.flushBuffered(e);
  // Later attempts are transient: no new failure events, Scheduled/Started only
  // attached to the poll response until one attempt completes. A failing task
  // is retried at once, then with a growing delay (capped at 10 s) so a broken
  // workflow does not spin the worker.
  const attempt = w.attempt + 1;
  const delay = attempt <= 2 ? 0 : Math.min(10_000, 200 * 2 ** (attempt - 3));
  if (delay && !hadBuffered) {
    e.s.wftRetry = { attempt, at: eng.clock.now() + delay };
    armWftRetry(eng, e);
  } else {
    scheduleWft(eng, e, attempt, { transient: !hadBuffered });
  }
  eng.touch(e);
}

export function armWftRetry(eng: Engine, e: Exec): void {
  const r = e.s.wftRetry!;
  eng.timer(e, 'wftRetry', r.at, () => {
    e.s.wftRetry = undefined;
    eng.touch(e);
    if (!e.s.wft) scheduleWft(eng, e, r.attempt, { transient: true });
  });
}

export function firstWft(eng: Engine, e: Exec): void {
  e.s.firstWftAt = 0;
  e.s.wft = null;
  scheduleWft(eng, e);
}

export function pollWorkflowTaskQueue(
  eng: Engine,
  r: temporal.api.workflowservice.v1.IPollWorkflowTaskQueueRequest,
  call: grpc.ServerUnaryCall<any, any>,
) {
  const ns = r.namespace || 'default';
  eng.ns(ns);
  return eng.matching.poll(`${ns}|w|${r.taskQueue?.name}`, {
    identity: r.identity ?? undefined,
    workerInstanceKey: r.workerInstanceKey ?? undefined,
    onCancel: (f) => call.on('cancelled', f),
    alive: () => !call.cancelled,
  });
}

export function respondWorkflowTaskCompleted(
  eng: Engine,
  r: temporal.api.workflowservice.v1.IRespondWorkflowTaskCompletedRequest,
) {
  eng.ns(r.namespace);
  const tok = parseToken(r.taskToken);
  if (tok.k !== 'w') throw invalid('not a workflow task token');
  const { e, w } = wftFromToken(eng, tok);
  const res = completeWft(eng, e, w, r);
  eng.flush();
  return res;
}

export function respondWorkflowTaskFailed(
  eng: Engine,
  r: temporal.api.workflowservice.v1.IRespondWorkflowTaskFailedRequest,
) {
  eng.ns(r.namespace);
  const tok = parseToken(r.taskToken);
  const { e, w } = wftFromToken(eng, tok);
  failWft(eng, e, w, { cause: r.cause ?? undefined, failure: r.failure, identity: r.identity ?? undefined });
  eng.flush();
  return {};
}

export function completeWft(eng: Engine, e: Exec, w: NonNullable<ExecState['wft']>, r: any): any {
  const commands: any[] = r.commands ?? [];
  const messages: any[] = r.messages ?? [];
  const msgById = new Map<string, any>(messages.map((m) => [m.id, m]));
  eng.cancelTimer(e, 'wft');

  // Speculative task that only rejected updates: leave no trace in history.
  // The worker rolls back to resetHistoryEventId; events it saw after that point
  // must be re-deliverable, which plain command events are only when the SDK says so.
  const lastIsCompleted = e.historyLength === e.s.lastCompletedStartedId + 1;
  const canDiscard = lastIsCompleted || !!r.capabilities?.discardSpeculativeWorkflowTaskWithEvents;
  if (
    w.speculative &&
    w.transient &&
    canDiscard &&
    commands.length === 0 &&
    !e.s.buffered.length &&
    !r.forceCreateNewWorkflowTask
  ) {
    const onlyRejections = messages.every((m) => anyUnpack(m.body)?.typeName === 'temporal.api.update.v1.Rejection');
    if (onlyRejections) {
      e.s.wft = null;
      for (const m of messages) handleMessage(eng, e, m, 0);
      eng.touch(e);
      if ([...e.rt.updates.values()].some((u) => u.state === 'admitted')) scheduleWft(eng, e, 1, { speculative: true });
      return { resetHistoryEventId: e.s.lastCompletedStartedId };
    }
  }

  const bad = validateCommands(eng, e, commands);
  if (bad) {
    // Like Temporal: an invalid command fails the workflow task (recorded once,
    // then retried) instead of half-applying the completion.
    failWft(eng, e, w, {
      cause: bad.cause,
      failure: { message: bad.message, source: 'Server' },
      identity: r.identity,
    });
    throw invalid(bad.message);
  }

  if (w.transient) {
    // The task's Scheduled/Started events are written now, with the ids they get now
    // (events may have been appended since the task started), and the completion refers to them.
    const [sched, started] = w.transientEvents ?? [];
    if (sched && started) {
      sched.eventId = e.nextEventId;
      e.events.push(sched);
      started.eventId = e.nextEventId;
      attrsOf(started).scheduledEventId = sched.eventId;
      e.events.push(started);
      w.scheduledId = Number(sched.eventId);
      w.startedId = Number(started.eventId);
    }
    w.transient = false;
    eng.touch(e);
  }

  const big = oversizedCommand(eng, commands);
  if (big) {
    // Like Temporal: WorkflowTaskFailed with the command's cause, then the
    // workflow fails (buffered events first), and the RPC is INVALID_ARGUMENT.
    eng.cancelTimer(e, 'wft');
    e.s.wft = null;
    e.s.sticky = undefined;
    const failed = eng.append(e, EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, {
      scheduledEventId: w.scheduledId,
      startedEventId: w.startedId,
      cause: big.cause,
      failure: { message: big.message, source: 'Server' },
      identity: r.identity,
    });
    eng.flushBuffered(e);
    closeExec(
      eng,
      e,
      WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
      {
        failure: { message: big.message, source: 'Server', serverFailureInfo: { nonRetryable: true } },
        retryState: RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED,
        workflowTaskCompletedEventId: failed.eventId,
      },
    );
    throw invalid(big.message);
  }

  const isClose = (c: any) => closeCommands.has(c.commandType);
  if (e.s.buffered.length && commands.some(isClose)) {
    // New events arrived while the worker decided to close: Temporal rejects the
    // close with UNHANDLED_COMMAND so the workflow sees those events first.
    e.s.wft = null;
    e.s.sticky = undefined;
    eng.append(e, EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, {
      scheduledEventId: w.scheduledId,
      startedEventId: w.startedId,
      cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND,
      failure: { message: 'UnhandledCommand', source: 'Server' },
      identity: r.identity,
    });
    eng.flushBuffered(e);
    scheduleWft(eng, e);
    // SDK core evicts the run on exactly this error, so the next task replays
    // from full history including the new events.
    throw invalid('UnhandledCommand');
  }

  const completedId = eng.append(e, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, {
    scheduledEventId: w.scheduledId,
    startedEventId: w.startedId,
    identity: r.identity,
    binaryChecksum: r.binaryChecksum,
    workerVersion: r.workerVersionStamp,
    workerDeploymentName: r.deploymentOptions?.deploymentName || undefined,
    deploymentVersion: r.deploymentOptions?.buildId
      ? { buildId: r.deploymentOptions.buildId, deploymentName: r.deploymentOptions.deploymentName }
      : undefined,
    sdkMetadata: r.sdkMetadata,
    meteringMetadata: r.meteringMetadata,
  }).eventId;
  e.s.lastCompletedStartedId = w.startedId;
  e.s.wft = null;
  trackBuildIds(eng, e, r, completedId);
  const st = r.stickyAttributes;
  e.s.sticky = st?.workerTaskQueue?.name
    ? { queue: st.workerTaskQueue.name, timeoutMs: durMs(st.scheduleToStartTimeout) || 10_000 }
    : undefined;

  const post = Object.assign([] as (() => void)[], { eager: [] as ActivityState[] });
  let needWft = !!r.forceCreateNewWorkflowTask;
  const handled = new Set<string>();
  for (const c of commands) {
    if (!e.running) break;
    if (c.commandType === CommandType.COMMAND_TYPE_PROTOCOL_MESSAGE) {
      const id = c.protocolMessageCommandAttributes?.messageId;
      const m = msgById.get(id);
      if (m) {
        handled.add(id);
        handleMessage(eng, e, m, completedId);
      }
      continue;
    }
    const first = e.events.length;
    const res = applyCommand(eng, e, c, completedId, post);
    // Summary/details of a command (activity, timer, child...) go on the event it produced.
    if (c.userMetadata && e.events.length > first) e.events[first].userMetadata = c.userMetadata;
    if (res) needWft = true;
  }
  for (const m of messages) if (!handled.has(m.id) && e.running) handleMessage(eng, e, m, completedId);
  if (!e.running) return {};
  if (eng.flushBuffered(e)) needWft = true;
  if ([...e.rt.updates.values()].some((u) => u.state === 'admitted')) needWft = true;
  if (needWft) scheduleWft(eng, e);
  for (const p of post) p();
  const activityTasks = [];
  for (const a of post.eager) {
    if (a.s2cMs)
      eng.timer(e, `act:${a.scheduledId}:s2c`, a.scheduledTime + a.s2cMs, () =>
        activityTimeout(eng, e, a.scheduledId, a.attempt, TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE),
      );
    const t = startActivity(eng, e, a.scheduledId, 1);
    if (t) activityTasks.push(t);
  }
  return { activityTasks };
}

/**
 * Like Temporal's trackBuildIdFromCompletion and addBinaryCheckSumIfNotExists:
 * the BuildIds search attribute ("unversioned" for a worker without
 * versioning, plus "unversioned:<id>" / "versioned:<id>" from its version
 * stamp or deployment options), the BinaryChecksums search attribute, and
 * one reset point per checksum / build id (at most 20, oldest dropped).
 */
export function trackBuildIds(eng: Engine, e: Exec, r: any, completedId: number): void {
  const stamp = r.workerVersionStamp;
  const dep = r.deploymentOptions;
  const versioned =
    !!stamp?.useVersioning || dep?.workerVersioningMode === WorkerVersioningMode.WORKER_VERSIONING_MODE_VERSIONED;
  const buildId: string = stamp?.buildId || dep?.buildId || '';
  const buildIds: string[] = versioned ? [] : ['unversioned'];
  if (buildId) buildIds.push(`${versioned ? 'versioned' : 'unversioned'}:${buildId}`);
  const sa = { ...(e.s.searchAttributes ?? {}) };
  const addTo = (name: string, values: string[]) => {
    const cur: string[] = sa[name]?.data ? JSON.parse(Buffer.from(sa[name].data).toString()) : [];
    const next = [...cur];
    for (const v of values) if (!next.includes(v)) next.push(v);
    if (next.length === cur.length) return;
    sa[name] = {
      metadata: { encoding: Buffer.from('json/plain'), type: Buffer.from('KeywordList') },
      data: Buffer.from(JSON.stringify(next.slice(-20))),
    };
  };
  addTo('BuildIds', buildIds);
  const checksum: string = r.binaryChecksum || buildId;
  if (r.binaryChecksum) addTo('BinaryChecksums', [r.binaryChecksum]);
  e.s.searchAttributes = sa;
  if (checksum && !(e.s.resetPoints ?? []).some((p) => p.binaryChecksum === checksum)) {
    e.s.resetPoints = [
      ...(e.s.resetPoints ?? []).slice(-19),
      { binaryChecksum: checksum, firstWorkflowTaskCompletedId: completedId, createTime: eng.clock.now() },
    ];
  }
}

export function shutdownWorker(eng: Engine, r: temporal.api.workflowservice.v1.IShutdownWorkerRequest) {
  const ns = r.namespace || 'default';
  const key = r.workerInstanceKey || r.workerHeartbeat?.workerInstanceKey;
  if (r.stickyTaskQueue) {
    // The sticky cache is gone: move affected executions back to the normal queue.
    for (const e of eng.runs.values()) {
      if (e.running && e.s.sticky?.queue === r.stickyTaskQueue) {
        e.s.sticky = undefined;
        const w = e.s.wft;
        if (w && !w.startedId)
          eng.matching.add(`${ns}|w|${e.s.taskQueue}`, { start: () => startWft(eng, e, w, false) });
      }
    }
  }
  eng.matching.completePolls(
    (k, p) => (!!key && p.workerInstanceKey === key) || (!!r.stickyTaskQueue && k === `${ns}|w|${r.stickyTaskQueue}`),
  );
  return {};
}

export function resetStickyTaskQueue(eng: Engine, r: temporal.api.workflowservice.v1.IResetStickyTaskQueueRequest) {
  const e = eng.execOf(r.execution, r.namespace);
  e.s.sticky = undefined;
  return {};
}
