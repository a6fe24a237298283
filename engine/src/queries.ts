// Queries: legacy query tasks (waiting for an outstanding workflow task) and their answers.
import type { temporal } from '@temporalio/proto';
import * as grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { RpcError, notFound } from './grpc.js';
import type { Engine } from './engine.js';
import { QueryRejectCondition, QueryResultType, TaskQueueKind, WorkflowExecutionStatus } from './enums.js';
import { parseToken, token } from './tokens.js';

const QUERY_TIMEOUT = 30_000;

export function queryWorkflow(eng: Engine, r: temporal.api.workflowservice.v1.IQueryWorkflowRequest) {
  const e = eng.execOf(r.execution, r.namespace);
  const rc = r.queryRejectCondition || QueryRejectCondition.QUERY_REJECT_CONDITION_UNSPECIFIED;
  if (
    (rc === QueryRejectCondition.QUERY_REJECT_CONDITION_NOT_OPEN && !e.running) ||
    (rc === QueryRejectCondition.QUERY_REJECT_CONDITION_NOT_COMPLETED_CLEANLY &&
      e.s.status !== WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED &&
      !e.running)
  ) {
    return { queryRejected: { status: e.s.status } };
  }
  const qid = randomUUID();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      eng.queries.delete(qid);
      reject(
        new RpcError(
          grpc.status.DEADLINE_EXCEEDED,
          'query timed out: no worker answered (is a worker polling the task queue?)',
        ),
      );
    }, QUERY_TIMEOUT);
    eng.queries.set(qid, { resolve, reject, timer, exec: e, req: r });
    // Legacy query task on the normal queue with full history: correct whether or
    // not the worker still has the run cached, and after the workflow closed.
    // Like Temporal, a query waits for an outstanding workflow task so it sees
    // every event accepted before it (signals sent before the query).
    const dispatch = () =>
      eng.matching.add(`${e.s.ns}|w|${e.s.taskQueue}`, {
        start: () => {
          if (!eng.queries.has(qid)) return null;
          return {
            taskToken: token({ k: 'q', q: qid }),
            workflowExecution: { workflowId: e.s.workflowId, runId: e.s.runId },
            workflowType: { name: e.s.workflowType },
            history: { events: e.events.slice() },
            query: r.query,
            workflowExecutionTaskQueue: { name: e.s.taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
            previousStartedEventId: e.s.lastCompletedStartedId,
            startedEventId: e.s.lastCompletedStartedId,
          };
        },
      });
    if (e.running && e.s.wft) e.rt.pendingQueries.push(dispatch);
    else dispatch();
  });
}

export function respondQueryTaskCompleted(
  eng: Engine,
  r: temporal.api.workflowservice.v1.IRespondQueryTaskCompletedRequest,
) {
  const tok = parseToken(r.taskToken);
  const q = eng.queries.get(tok.q);
  if (!q) throw notFound('query not found or already timed out');
  eng.queries.delete(tok.q);
  clearTimeout(q.timer);
  if (r.completedType === QueryResultType.QUERY_RESULT_TYPE_ANSWERED) q.resolve({ queryResult: r.queryResult });
  else
    q.reject(
      new RpcError(grpc.status.INVALID_ARGUMENT, r.errorMessage || r.failure?.message || 'query failed', {
        typeName: 'temporal.api.errordetails.v1.QueryFailedFailure',
        value: { failure: r.failure },
      }),
    );
  eng.clock.requestSkipCheck();
  return {};
}
