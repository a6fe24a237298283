// Read-only RPCs: history pages, DescribeWorkflowExecution, visibility list/scan/count, DescribeTaskQueue.
import type { temporal } from '@temporalio/proto';
import * as grpc from '@grpc/grpc-js';
import { type Exec } from './history.js';
import { msDur, ts } from './proto.js';
import { invalid } from './grpc.js';
import { compileQuery } from './visibility.js';
import type { Engine } from './engine.js';
import { parseToken, token } from './tokens.js';
import {
  HistoryEventFilterType,
  PendingActivityState,
  PendingWorkflowTaskState,
  TaskQueueKind,
  TaskQueueType,
} from './enums.js';

const HISTORY_WAIT = 30_000;

/** A request's page size, or Temporal's default of 1,000 when it gives none. */
const pageSizeOf = (n: number | null | undefined): number => (n && n > 0 ? n : 1000);

export async function getWorkflowExecutionHistory(
  eng: Engine,
  r: temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryRequest,
  call: grpc.ServerUnaryCall<any, any>,
) {
  const e = eng.execOf(r.execution, r.namespace);
  const closeOnly = r.historyEventFilterType === HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT;
  const pageSize = pageSizeOf(r.maximumPageSize);
  let from = 1;
  if (r.nextPageToken?.length) from = parseToken(r.nextPageToken).n;
  const deadline = Date.now() + HISTORY_WAIT;
  let wake: (() => void) | undefined;
  call.once('cancelled', () => wake?.());
  for (;;) {
    if (closeOnly) {
      if (!e.running) {
        // The close event carries newExecutionRunId for continue-as-new; the
        // client follows it to the next run.
        return { history: { events: [e.events[e.events.length - 1]] } };
      }
    } else if (e.historyLength >= from) {
      const events = e.events.slice(from - 1, from - 1 + pageSize);
      const next = from + events.length;
      const more = next <= e.historyLength || (r.waitNewEvent && e.running);
      return { history: { events }, nextPageToken: more && events.length ? token({ n: next }) : undefined };
    } else if (!r.waitNewEvent || !e.running) {
      return { history: { events: [] } };
    }
    if (!r.waitNewEvent) return { history: { events: [] } };
    const left = deadline - Date.now();
    if (left <= 0 || call.cancelled)
      return { history: { events: [] }, nextPageToken: closeOnly ? undefined : token({ n: from }) };
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, left);
      function done() {
        clearTimeout(t);
        e.rt.historyWaiters.delete(done);
        resolve();
      }
      e.rt.historyWaiters.add(done);
      wake = done;
    });
  }
}

export function getWorkflowExecutionHistoryReverse(
  eng: Engine,
  r: temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryReverseRequest,
) {
  const e = eng.execOf(r.execution, r.namespace);
  const pageSize = pageSizeOf(r.maximumPageSize);
  let end = e.historyLength;
  if (r.nextPageToken?.length) end = parseToken(r.nextPageToken).n;
  const start = Math.max(0, end - pageSize);
  const events = e.events.slice(start, end).reverse();
  return { history: { events }, nextPageToken: start > 0 ? token({ n: start }) : undefined };
}

export function execInfo(eng: Engine, e: Exec): any {
  const s = e.s;
  return {
    execution: { workflowId: s.workflowId, runId: s.runId },
    type: { name: s.workflowType },
    startTime: ts(s.startTime),
    closeTime: s.closeTime ? ts(s.closeTime) : undefined,
    status: s.status,
    historyLength: e.historyLength,
    parentNamespaceId: s.parent ? eng.namespaces.get(s.parent.ns)?.id : undefined,
    parentExecution: s.parent ? { workflowId: s.parent.workflowId, runId: s.parent.runId } : undefined,
    executionTime: ts(s.executionTime),
    memo: s.memo ?? { fields: {} },
    searchAttributes: { indexedFields: s.searchAttributes ?? {} },
    taskQueue: s.taskQueue,
    stateTransitionCount: e.historyLength,
    historySizeBytes: e.historyBytes,
    executionDuration: s.closeTime ? msDur(s.closeTime - s.executionTime) : undefined,
    rootExecution: { workflowId: s.rootWorkflowId, runId: s.rootRunId },
    firstRunId: s.firstRunId,
    priority: s.priority,
    autoResetPoints: s.resetPoints
      ? {
          points: s.resetPoints.map((p) => ({
            binaryChecksum: p.binaryChecksum,
            runId: s.runId,
            firstWorkflowTaskCompletedId: p.firstWorkflowTaskCompletedId,
            createTime: ts(p.createTime),
            resettable: false,
          })),
        }
      : undefined,
  };
}

export function describeWorkflowExecution(
  eng: Engine,
  r: temporal.api.workflowservice.v1.IDescribeWorkflowExecutionRequest,
) {
  const e = eng.execOf(r.execution, r.namespace);
  const s = e.s;
  return {
    executionConfig: {
      taskQueue: { name: s.taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      workflowExecutionTimeout: msDur(s.execTimeoutMs),
      workflowRunTimeout: msDur(s.runTimeoutMs),
      defaultWorkflowTaskTimeout: msDur(s.wftTimeoutMs),
      userMetadata: s.userMetadata,
    },
    workflowExecutionInfo: execInfo(eng, e),
    pendingActivities: Object.values(s.activities).map((a) => ({
      activityId: a.activityId,
      activityType: { name: a.activityType },
      state: a.cancelRequestedId
        ? PendingActivityState.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED
        : a.paused
          ? a.state === 'started'
            ? PendingActivityState.PENDING_ACTIVITY_STATE_PAUSE_REQUESTED
            : PendingActivityState.PENDING_ACTIVITY_STATE_PAUSED
          : a.state === 'started'
            ? PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
            : PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED,
      paused: !!a.paused,
      pauseInfo: a.paused
        ? { pauseTime: ts(a.paused.time), manual: { identity: a.paused.identity, reason: a.paused.reason } }
        : undefined,
      heartbeatDetails: a.heartbeatDetails,
      lastHeartbeatTime: a.lastHeartbeat ? ts(a.lastHeartbeat) : undefined,
      lastStartedTime: a.startedTime ? ts(a.startedTime) : undefined,
      attempt: Math.max(1, a.attempt),
      maximumAttempts: a.retry.maxAttempts,
      scheduledTime: ts(a.attemptScheduledTime),
      expirationTime: a.s2cMs ? ts(a.scheduledTime + a.s2cMs) : undefined,
      lastFailure: a.lastFailure,
      lastWorkerIdentity: a.identity,
      nextAttemptScheduleTime: a.state === 'backoff' && !a.paused ? ts(a.retryAt) : undefined,
    })),
    pendingChildren: Object.values(s.children).map((c) => ({
      workflowId: c.workflowId,
      runId: c.runId,
      workflowTypeName: c.workflowType,
      initiatedId: c.initiatedId,
      parentClosePolicy: c.parentClosePolicy,
    })),
    // A failing task stays visible with its attempt count, also while it
    // waits out its retry backoff (so stuck workflows can be listed).
    pendingWorkflowTask: s.wft
      ? {
          state: s.wft.startedId
            ? PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_STARTED
            : PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_SCHEDULED,
          scheduledTime: ts(s.wft.scheduledTime),
          originalScheduledTime: ts(s.wft.scheduledTime),
          startedTime: s.wft.startedId ? ts(s.wft.startedTime) : undefined,
          attempt: s.wft.attempt,
        }
      : s.wftRetry
        ? {
            state: PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_SCHEDULED,
            scheduledTime: ts(s.wftRetry.at),
            originalScheduledTime: ts(s.wftRetry.at),
            attempt: s.wftRetry.attempt,
          }
        : undefined,
  };
}

export function listMatching(eng: Engine, ns: string | null | undefined, query: string | null | undefined): Exec[] {
  eng.ns(ns);
  const pred = compileQuery(query ?? '', eng.saTypes);
  const out: Exec[] = [];
  for (const e of eng.runs.values()) if (e.s.ns === (ns || 'default') && pred(e)) out.push(e);
  const byStart = (a: Exec, b: Exec) => b.s.startTime - a.s.startTime || (a.s.runId < b.s.runId ? -1 : 1);
  out.sort(pred.order ? (a, b) => pred.order!(a, b) || byStart(a, b) : byStart);
  return out;
}

export function listWorkflowExecutions(eng: Engine, r: temporal.api.workflowservice.v1.IListWorkflowExecutionsRequest) {
  const all = listMatching(eng, r.namespace, r.query);
  const size = pageSizeOf(r.pageSize);
  const from = r.nextPageToken?.length ? parseToken(r.nextPageToken).o : 0;
  const page = all.slice(from, from + size);
  return {
    executions: page.map((e) => execInfo(eng, e)),
    nextPageToken: from + size < all.length ? token({ o: from + size }) : undefined,
  };
}

export function scanWorkflowExecutions(eng: Engine, r: temporal.api.workflowservice.v1.IScanWorkflowExecutionsRequest) {
  return listWorkflowExecutions(eng, r);
}

export function countWorkflowExecutions(
  eng: Engine,
  r: temporal.api.workflowservice.v1.ICountWorkflowExecutionsRequest,
) {
  // Like Temporal: `GROUP BY ExecutionStatus` (the only grouping it allows),
  // one group per status present, in status order.
  const m = /^(.*?)\s*\bGROUP\s+BY\s+(\w+)\s*$/is.exec(r.query ?? '');
  if (!m) return { count: listMatching(eng, r.namespace, r.query).length };
  if (m[2] !== 'ExecutionStatus')
    throw invalid(`visibility query: 'GROUP BY' clause is only supported for ExecutionStatus`);
  const all = listMatching(eng, r.namespace, m[1]);
  const byStatus = new Map<number, number>();
  for (const e of all) byStatus.set(e.s.status, (byStatus.get(e.s.status) ?? 0) + 1);
  const names = ['', 'Running', 'Completed', 'Failed', 'Canceled', 'Terminated', 'ContinuedAsNew', 'TimedOut'];
  return {
    count: all.length,
    groups: [...byStatus]
      .sort((a, b) => a[0] - b[0])
      .map(([st, count]) => ({
        count,
        groupValues: [
          {
            metadata: { encoding: Buffer.from('json/plain') },
            data: Buffer.from(JSON.stringify(names[st] ?? String(st))),
          },
        ],
      })),
  };
}

export function describeTaskQueue(eng: Engine, r: temporal.api.workflowservice.v1.IDescribeTaskQueueRequest) {
  const ns = r.namespace || 'default';
  const kind = r.taskQueueType === TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY ? 'a' : 'w';
  const info = eng.matching.pollerInfo(`${ns}|${kind}|${r.taskQueue?.name}`);
  return {
    pollers: info ? [{ lastAccessTime: ts(info.lastAccessTime), identity: info.identity, ratePerSecond: 100000 }] : [],
  };
}
