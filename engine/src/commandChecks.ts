// Checks before a completion applies: payload size limits, id length, command validation (with causes).
import { type Exec } from './history.js';
import { durMs, encode, T } from './proto.js';
import { invalid } from './grpc.js';
import type { Engine } from './engine.js';
import { CommandType, WorkflowTaskFailedCause } from './enums.js';

// Temporal's default limit.maxIDLength.
const MAX_ID_LENGTH = 1000;

export function checkIdLength(workflowId: string): void {
  if (workflowId.length > MAX_ID_LENGTH)
    throw invalid(`WorkflowId length exceeds limit (${workflowId.length}/${MAX_ID_LENGTH}).`);
}

/**
 * Payload size limits (bytes), Temporal's dynamic config `limit.blobSize.*` and
 * `limit.memoSize.*` with the same defaults. Like Temporal, a blob is rejected
 * only when it exceeds both the warn and the error limit.
 */
export interface Limits {
  blobSizeError: number;
  blobSizeWarn: number;
  memoSizeError: number;
  memoSizeWarn: number;
}
export const defaultLimits: Limits = {
  blobSizeError: 2 * 1024 * 1024,
  blobSizeWarn: 512 * 1024,
  memoSizeError: 2 * 1024 * 1024,
  memoSizeWarn: 128 * 1024,
};

/** Encoded size of a payload-carrying field (Payloads, Failure, or a map of Payloads). */
export function blobSize(kind: 'payloads' | 'failure' | 'map', v: any): number {
  if (!v) return 0;
  if (kind === 'map') return Object.values(v).reduce<number>((n, p) => n + blobSize('payloads', p), 0);
  return encode(kind === 'payloads' ? T.Payloads() : T.Failure(), v).length;
}

export function blobTooLarge(eng: Engine, size: number): boolean {
  return size > eng.limits.blobSizeWarn && size > eng.limits.blobSizeError;
}

/** RPC-level check (start, signal): INVALID_ARGUMENT like Temporal's frontend/history. */
export function checkBlob(eng: Engine, size: number): void {
  if (blobTooLarge(eng, size)) throw invalid('Blob data size exceeds limit.');
}

export function checkMemo(eng: Engine, memo: any): void {
  const size = blobSize('map', memo?.fields);
  if (size > eng.limits.memoSizeWarn && size > eng.limits.memoSizeError) throw invalid('Memo size exceeds limit.');
}

/**
 * Temporal's size-limit checks on commands: a command carrying a blob over
 * the limit fails the workflow task with the command's cause *and* fails the
 * workflow (non-retryable server failure).
 */
export function oversizedCommand(eng: Engine, commands: any[]): { cause: number; message: string } | undefined {
  const checks: Record<number, [string, 'payloads' | 'failure' | 'map', string, number]> = {
    [CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK]: [
      'scheduleActivityTaskCommandAttributes',
      'payloads',
      'input',
      WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
    ],
    [CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION]: [
      'completeWorkflowExecutionCommandAttributes',
      'payloads',
      'result',
      WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_COMPLETE_WORKFLOW_EXECUTION_ATTRIBUTES,
    ],
    [CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION]: [
      'failWorkflowExecutionCommandAttributes',
      'failure',
      'failure',
      WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_FAIL_WORKFLOW_EXECUTION_ATTRIBUTES,
    ],
    [CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION]: [
      'cancelWorkflowExecutionCommandAttributes',
      'payloads',
      'details',
      WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_WORKFLOW_EXECUTION_ATTRIBUTES,
    ],
    [CommandType.COMMAND_TYPE_RECORD_MARKER]: [
      'recordMarkerCommandAttributes',
      'map',
      'details',
      WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_RECORD_MARKER_ATTRIBUTES,
    ],
    [CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION]: [
      'continueAsNewWorkflowExecutionCommandAttributes',
      'payloads',
      'input',
      WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_CONTINUE_AS_NEW_ATTRIBUTES,
    ],
    [CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION]: [
      'startChildWorkflowExecutionCommandAttributes',
      'payloads',
      'input',
      WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES,
    ],
    [CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION]: [
      'signalExternalWorkflowExecutionCommandAttributes',
      'payloads',
      'input',
      WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SIGNAL_INPUT_SIZE,
    ],
  };
  for (const c of commands) {
    const chk = checks[c.commandType];
    if (!chk) continue;
    const [field, kind, sub, cause] = chk;
    if (blobTooLarge(eng, blobSize(kind, c[field]?.[sub]))) {
      const name = field[0].toUpperCase() + field.slice(1);
      return { cause, message: `${name}.${sub[0].toUpperCase()}${sub.slice(1)} exceeds size limit.` };
    }
  }
  return undefined;
}

export function validateCommands(
  eng: Engine,
  e: Exec,
  commands: any[],
): { cause: number; message: string } | undefined {
  const actIds = new Set(Object.values(e.s.activities).map((a) => a.activityId));
  const timerIds = new Set(Object.keys(e.s.timers));
  for (const c of commands) {
    switch (c.commandType) {
      case CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK: {
        const x = c.scheduleActivityTaskCommandAttributes ?? {};
        if (!x.activityId || !x.activityType?.name)
          return {
            cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
            message: 'ScheduleActivityTask needs an activity id and type',
          };
        if (!durMs(x.scheduleToCloseTimeout) && !durMs(x.startToCloseTimeout))
          return {
            cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
            message: `activity ${x.activityId}: either ScheduleToCloseTimeout or StartToCloseTimeout is required`,
          };
        if (actIds.has(x.activityId))
          return {
            cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_SCHEDULE_ACTIVITY_DUPLICATE_ID,
            message: `activity id ${x.activityId} is already in use by an open activity`,
          };
        actIds.add(x.activityId);
        break;
      }
      case CommandType.COMMAND_TYPE_START_TIMER: {
        const id = c.startTimerCommandAttributes?.timerId;
        if (!id)
          return {
            cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_TIMER_ATTRIBUTES,
            message: 'StartTimer needs a timer id',
          };
        if (timerIds.has(id))
          return {
            cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_START_TIMER_DUPLICATE_ID,
            message: `timer id ${id} is already in use`,
          };
        timerIds.add(id);
        break;
      }
      case CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION: {
        const x = c.startChildWorkflowExecutionCommandAttributes ?? {};
        if (!x.workflowId || !x.workflowType?.name)
          return {
            cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES,
            message: 'StartChildWorkflowExecution needs a workflow id and type',
          };
        break;
      }
      case CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK:
      case CommandType.COMMAND_TYPE_CANCEL_TIMER:
      case CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION:
      case CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION:
      case CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION:
      case CommandType.COMMAND_TYPE_RECORD_MARKER:
      case CommandType.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
      case CommandType.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES:
      case CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION:
      case CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION:
      case CommandType.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION:
      case CommandType.COMMAND_TYPE_PROTOCOL_MESSAGE:
        break;
      default:
        return {
          cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNSPECIFIED,
          message: `command type ${c.commandType} is not supported by duban-temporal (Nexus operations are outside its scope; see engine/README.md)`,
        };
    }
  }
  return undefined;
}
