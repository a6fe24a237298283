// Named temporal.api.enums.v1 enums, typed by @temporalio/proto, and the search attribute type names.
//
// The values come from the json-module root the engine already loads (proto.ts)
// and are typed as the proto package's own enums, so `EventType.EVENT_TYPE_TIMER_FIRED`
// is checked at compile time and costs nothing at start-up (the patched root
// behind `import { temporal } from '@temporalio/proto'` is not loaded).
import type { temporal } from '@temporalio/proto';
import type * as protobuf from 'protobufjs';
import { root } from './proto.js';

type Enums = typeof temporal.api.enums.v1;

function enumOf<K extends keyof Enums>(name: K): Enums[K] {
  return (root.lookup(`temporal.api.enums.v1.${name}`) as protobuf.Enum).values as unknown as Enums[K];
}

export const EventType = enumOf('EventType');
export const CommandType = enumOf('CommandType');
export const WorkflowExecutionStatus = enumOf('WorkflowExecutionStatus');
export const WorkflowTaskFailedCause = enumOf('WorkflowTaskFailedCause');
export const TimeoutType = enumOf('TimeoutType');
export const RetryState = enumOf('RetryState');
export const TaskQueueKind = enumOf('TaskQueueKind');
export const TaskQueueType = enumOf('TaskQueueType');
export const IndexedValueType = enumOf('IndexedValueType');
export const ParentClosePolicy = enumOf('ParentClosePolicy');
export const WorkflowIdReusePolicy = enumOf('WorkflowIdReusePolicy');
export const WorkflowIdConflictPolicy = enumOf('WorkflowIdConflictPolicy');
export const ContinueAsNewInitiator = enumOf('ContinueAsNewInitiator');
export const PendingActivityState = enumOf('PendingActivityState');
export const PendingWorkflowTaskState = enumOf('PendingWorkflowTaskState');
export const HistoryEventFilterType = enumOf('HistoryEventFilterType');
export const UpdateWorkflowExecutionLifecycleStage = enumOf('UpdateWorkflowExecutionLifecycleStage');
export const NamespaceState = enumOf('NamespaceState');
export const ArchivalState = enumOf('ArchivalState');
export const StartChildWorkflowExecutionFailedCause = enumOf('StartChildWorkflowExecutionFailedCause');
export const SignalExternalWorkflowExecutionFailedCause = enumOf('SignalExternalWorkflowExecutionFailedCause');
export const CancelExternalWorkflowExecutionFailedCause = enumOf('CancelExternalWorkflowExecutionFailedCause');
export const QueryResultType = enumOf('QueryResultType');
export const QueryRejectCondition = enumOf('QueryRejectCondition');
export const WorkerVersioningMode = enumOf('WorkerVersioningMode');

/**
 * Search attribute types by the names `--search-attribute Name=Type` and the
 * `type` payload metadata use (the one place that maps them to IndexedValueType).
 */
const saTypeByName: Record<string, number> = {
  Text: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Double: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  Bool: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  Datetime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KeywordList: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};
/** IndexedValueType of a search attribute type name (unknown names: Keyword). */
export function saTypeNum(name: string): number {
  return saTypeByName[name] ?? IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
}
/** Search attribute type name of an IndexedValueType (unknown values: Keyword). */
export function saTypeName(v: number): string {
  return Object.keys(saTypeByName).find((k) => saTypeByName[k] === v) ?? 'Keyword';
}
