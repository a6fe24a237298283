// Per-execution state ("mutable state" in Temporal terms) and the history
// event builder. Everything here is plain data so it can be persisted as JSON
// and rebuilt after a restart; runtime-only pieces (timer handles, waiters,
// in-flight updates) live in `ExecRuntime`.
import { attrField, ts } from './proto.js';
import type { TimerHandle } from './clock.js';
import { RetryState, WorkflowExecutionStatus } from './enums.js';

export interface WftState {
  scheduledId: number;
  startedId: number; // 0 while scheduled
  attempt: number;
  /** Scheduled/Started events not yet written to history (attempt > 1, or speculative for updates). */
  transient: boolean;
  speculative: boolean;
  scheduledTime: number;
  startedTime: number;
  timeoutMs: number;
  /** Queue the current attempt was handed out on. */
  onSticky: boolean;
  identity?: string;
  requestId?: string;
  /** Events synthesized for a transient task when it was started. */
  transientEvents?: any[];
}

export interface RetryPolicy {
  initialMs: number;
  coefficient: number;
  maxIntervalMs: number;
  maxAttempts: number;
  nonRetryable: string[];
}

export interface ActivityState {
  scheduledId: number;
  activityId: string;
  activityType: string;
  taskQueue: string;
  attempt: number;
  state: 'scheduled' | 'started' | 'backoff';
  scheduledTime: number; // first scheduling
  attemptScheduledTime: number;
  startedTime: number;
  retryAt: number;
  identity?: string;
  requestId?: string;
  lastFailure?: any;
  heartbeatDetails?: any;
  lastHeartbeat: number;
  cancelRequestedId: number; // 0 = not requested
  s2cMs: number;
  s2sMs: number;
  st2cMs: number;
  hbMs: number;
  retry: RetryPolicy;
  /** PauseActivity: no new attempt is dispatched until UnpauseActivity (or a reset that unpauses). */
  paused?: { time: number; identity?: string; reason?: string; requestId?: string };
  /** ResetActivity on a running attempt: reported by its heartbeats until it ends. */
  reset?: boolean;
  /** Reset (or unpause with reset_attempts) of a running attempt: the attempt count starts from 1 when it ends. */
  restartCount?: boolean;
  /** ResetActivity with reset_heartbeat on a running attempt: the next attempt starts without details. */
  resetHeartbeat?: boolean;
}

export interface ChildState {
  initiatedId: number;
  startedId: number;
  ns: string;
  workflowId: string;
  runId: string;
  workflowType: string;
  parentClosePolicy: number;
}

export interface ExecState {
  ns: string;
  workflowId: string;
  runId: string;
  firstRunId: string;
  workflowType: string;
  taskQueue: string;
  status: number; // WorkflowExecutionStatus
  startTime: number;
  executionTime: number;
  closeTime: number;
  startRequestId: string;
  runTimeoutMs: number;
  execTimeoutMs: number;
  wftTimeoutMs: number;
  runDeadline: number;
  execDeadline: number;
  firstWftAt: number; // > 0 while the first task waits for a start delay / backoff
  memo?: any;
  searchAttributes?: Record<string, any>;
  parent?: { ns: string; workflowId: string; runId: string; initiatedId: number };
  rootWorkflowId: string;
  rootRunId: string;
  wft: WftState | null;
  lastCompletedStartedId: number;
  sticky?: { queue: string; timeoutMs: number };
  buffered: any[]; // events (without ids) waiting for the in-flight workflow task to finish
  activities: Record<number, ActivityState>;
  timers: Record<string, { startedId: number; fireAt: number }>;
  children: Record<number, ChildState>;
  cancelRequested: boolean;
  newRunId?: string;
  signalRequestIds: string[];
  retryPolicy?: any;
  attempt: number;
  /** Summary/details given at start (Describe's executionConfig.userMetadata). */
  userMetadata?: any;
  priority?: any;
  /** Temporal's auto reset points: the first completed task of each binary checksum / build id. */
  resetPoints?: { binaryChecksum: string; firstWorkflowTaskCompletedId: number; createTime: number }[];
  /** A failed workflow task waiting out its retry backoff (attempt, due time). */
  wftRetry?: { attempt: number; at: number };
}

export interface Update {
  id: string;
  request: any;
  state: 'admitted' | 'accepted' | 'completed' | 'rejected';
  outcome?: any;
  acceptedEventId?: number;
  waiters: Set<() => void>;
}

export interface ExecRuntime {
  timers: Map<string, TimerHandle>;
  historyWaiters: Set<() => void>;
  updates: Map<string, Update>;
  /** Queries waiting for the outstanding workflow task (strongly consistent queries). */
  pendingQueries: (() => void)[];
}

/** Where an execution's decoded history comes from when it is not in memory (historyCache.ts). */
export interface HistorySource {
  load(e: Exec): any[];
}

let useTick = 0;

export class Exec {
  /** The decoded history; null while it lives only in the store (loaded on first use). */
  private decoded: any[] | null = [];
  /** Set by the history cache for executions whose history may be unloaded. */
  source?: HistorySource;
  /** When the history was last used (for the cache's least-recently-used order). */
  lastUsed = 0;
  /** How many events are in the store. */
  persisted = 0;
  /** How many entries of s.buffered are already in the store. */
  bufferedPersisted = 0;
  bufferedReset = false;
  /** Encoded size of the persisted history (WorkflowTaskStarted.historySizeBytes). */
  historyBytes = 0;
  rt: ExecRuntime = { timers: new Map(), historyWaiters: new Set(), updates: new Map(), pendingQueries: [] };
  constructor(public s: ExecState) {}

  /** The history, read from the store if it was unloaded. Never hold it across an await. */
  get events(): any[] {
    this.lastUsed = ++useTick;
    if (this.decoded === null) this.decoded = this.source!.load(this);
    return this.decoded;
  }
  set events(v: any[]) {
    this.decoded = v;
  }
  /** Events in the history, without loading it. */
  get historyLength(): number {
    return this.decoded === null ? this.persisted : this.decoded.length;
  }
  get historyLoaded(): boolean {
    return this.decoded !== null;
  }
  /** Drops the decoded history when every event of it is in the store; false when it cannot be dropped. */
  unloadHistory(): boolean {
    if (this.decoded === null || this.decoded.length !== this.persisted || !this.source) return false;
    this.decoded = null;
    return true;
  }
  /** Marks the history as stored only (at load after a restart). */
  historyInStore(events: number, bytes: number): void {
    this.decoded = null;
    this.persisted = events;
    this.historyBytes = bytes;
  }

  get nextEventId(): number {
    return this.historyLength + 1;
  }
  get running(): boolean {
    return this.s.status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
  }
}

let taskIdSeq = 1;

/** Builds a HistoryEvent plain object for protobuf encoding. */
export function makeEvent(eventId: number, eventType: number, attrs: any, timeMs: number): any {
  return {
    eventId,
    eventTime: ts(timeMs),
    eventType,
    taskId: taskIdSeq++,
    [attrField(eventType)]: attrs ?? {},
  };
}

export function attrsOf(e: any): any {
  return e[attrField(e.eventType)];
}

/** Temporal's default activity retry policy, filled in where the command leaves fields unset. */
export function retryFromProto(p: any | undefined): RetryPolicy {
  const dur = (d: any) => (d ? Number(d.seconds ?? 0) * 1000 + Math.floor(Number(d.nanos ?? 0) / 1e6) : 0);
  const initialMs = dur(p?.initialInterval) || 1000;
  return {
    initialMs,
    coefficient: p?.backoffCoefficient && p.backoffCoefficient >= 1 ? p.backoffCoefficient : 2,
    maxIntervalMs: dur(p?.maximumInterval) || initialMs * 100,
    maxAttempts: p?.maximumAttempts ?? 0,
    nonRetryable: p?.nonRetryableErrorTypes ?? [],
  };
}

export function retryToProto(r: RetryPolicy): any {
  const d = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });
  return {
    initialInterval: d(r.initialMs),
    backoffCoefficient: r.coefficient,
    maximumInterval: d(r.maxIntervalMs),
    maximumAttempts: r.maxAttempts,
    nonRetryableErrorTypes: r.nonRetryable,
  };
}

/**
 * Backoff before the next attempt, or a retry state explaining why there is none.
 * Mirrors Temporal: max attempts, non-retryable flag/type, then the schedule-to-close budget.
 */
export function nextRetry(
  r: RetryPolicy,
  attempt: number,
  failure: any,
  now: number,
  deadline: number,
): { backoffMs: number } | { retryState: number } {
  const info = failure?.applicationFailureInfo;
  if (info?.nonRetryable) return { retryState: RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE };
  const errType = info?.type ?? (failure?.timeoutFailureInfo ? 'TemporalTimeout' : undefined);
  if (errType && r.nonRetryable.includes(errType)) return { retryState: RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE };
  if (r.maxAttempts > 0 && attempt >= r.maxAttempts)
    return { retryState: RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED };
  let backoffMs = Math.min(r.initialMs * Math.pow(r.coefficient, attempt - 1), r.maxIntervalMs);
  const explicit = info?.nextRetryDelay;
  if (explicit) backoffMs = Number(explicit.seconds ?? 0) * 1000 + Math.floor(Number(explicit.nanos ?? 0) / 1e6);
  if (deadline > 0 && now + backoffMs >= deadline) return { retryState: RetryState.RETRY_STATE_TIMEOUT };
  return { backoffMs };
}
