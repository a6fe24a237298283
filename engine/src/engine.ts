// engine/src: a Temporal frontend (WorkflowService) in one process. This file holds the Engine
// (shared state and the history primitives every seam uses) and the explicit RPC handler map;
// the seams live beside it, one file each, as plain functions of the Engine:
//
//   durability.ts    load + re-arm after a restart, group commit
//   workflowTask.ts  workflow task scheduling, start, failure/timeout, completion
//   commandChecks.ts size limits and command validation    commands.ts  one function per command type
//   activityTask.ts  activity tasks, heartbeats, retries, timeouts    activityPause.ts  pause/unpause/reset
//   lifecycle.ts     start, signal, close, cancel, terminate, retry, continue-as-new, children
//   updates.ts       workflow updates    queries.ts  queries    namespaces.ts  namespaces, system info
//   inspect.ts       history pages, describe, visibility list/count
//
// Not here: gRPC wiring (grpc.ts, server.ts), persistence (store.ts), per-execution state and
// the event builder (history.ts), task queues (matching.ts), time (clock.ts), visibility query
// parsing (visibility.ts), the TestService (testservice.ts), the enums (enums.ts).
//
// Single-threaded by design (Node event loop): every handler mutates in-memory state
// synchronously, then the group commit writes the touched executions before the RPC answers.
import { randomUUID } from 'node:crypto';
import { Clock } from './clock.js';
import { Matching } from './matching.js';
import { SqliteStore, type Store } from './store.js';
import { HistoryCache } from './historyCache.js';
import { type Exec, makeEvent } from './history.js';
import { notFound, type Handler } from './grpc.js';
import type { SaTypes } from './visibility.js';
import { EventType } from './enums.js';
import { defaultLimits, type Limits } from './commandChecks.js';
import { namespaceNotFound, type Namespace } from './namespaces.js';
import { scheduleWft } from './workflowTask.js';
import * as durability from './durability.js';
import * as namespaces from './namespaces.js';
import * as lifecycle from './lifecycle.js';
import * as workflowTask from './workflowTask.js';
import * as activityTask from './activityTask.js';
import * as activityPause from './activityPause.js';
import * as inspect from './inspect.js';
import * as queries from './queries.js';
import * as updates from './updates.js';

export { type Limits, defaultLimits } from './commandChecks.js';

export interface EngineOptions {
  store: Store;
  timeSkipping: boolean;
  namespaces?: string[];
  searchAttributes?: Record<string, string>;
  limits?: Partial<Limits>;
  /** Encoded bytes of history kept decoded in memory (default 4 MiB, about 20 MiB decoded; only with a SQLite store). */
  historyCacheBytes?: number;
}

/** A legacy query waiting for its answer (queries.ts). */
export interface PendingQuery {
  resolve: (r: any) => void;
  reject: (e: any) => void;
  timer: NodeJS.Timeout;
  exec: Exec;
  req: any;
}

export class Engine {
  readonly clock: Clock;
  readonly matching = new Matching(60_000);
  readonly store: Store;
  /** Which executions keep their decoded history in memory (historyCache.ts). */
  readonly histories: HistoryCache;
  readonly namespaces = new Map<string, Namespace>();
  readonly runs = new Map<string, Exec>();
  /** ns\0workflowId -> latest runId */
  readonly current = new Map<string, string>();
  /** Executions changed since the last commit. */
  readonly dirty = new Set<Exec>();
  readonly queries = new Map<string, PendingQuery>();
  saTypes: SaTypes = new Map();
  commitScheduled = false;
  commitWaiters: (() => void)[] = [];
  readonly limits: Limits;
  /** Set while an eager start creates its run: the first task is not queued. */
  holdWft = false;

  constructor(opts: EngineOptions) {
    this.store = opts.store;
    this.histories = new HistoryCache(
      opts.store,
      opts.store instanceof SqliteStore ? (opts.historyCacheBytes ?? 4 * 1024 * 1024) : Infinity,
    );
    this.limits = { ...defaultLimits, ...opts.limits };
    this.clock = new Clock(opts.timeSkipping);
    this.clock.isIdle = (credit) => this.isIdle(credit);
    for (const [k, v] of Object.entries(opts.searchAttributes ?? {})) this.saTypes.set(k, v);
    for (const n of this.store.loadNamespaces()) this.namespaces.set(n.name, n);
    for (const n of ['default', ...(opts.namespaces ?? [])]) if (!this.namespaces.has(n)) this.registerNs(n);
    durability.load(this);
  }

  registerNs(name: string, description = '', retentionDays = 1): Namespace {
    const ns = { name, id: randomUUID(), description, retentionDays };
    this.namespaces.set(name, ns);
    this.store.saveNamespace(name, ns);
    return ns;
  }

  /**
   * Like Temporal, search attribute payloads carry their registered type in the
   * `type` metadata (so e.g. a Datetime comes back as a Date in typed attributes).
   */
  tagSa(sa: any): any {
    const fields = sa?.indexedFields;
    if (!fields) return sa;
    const out: Record<string, any> = {};
    for (const [k, v] of Object.entries<any>(fields)) {
      const t = this.saTypes.get(k);
      out[k] = t && v && !v.metadata?.type ? { ...v, metadata: { ...v.metadata, type: Buffer.from(t) } } : v;
    }
    return { ...sa, indexedFields: out };
  }

  /** Throws NamespaceNotFound (NOT_FOUND + detail) for an unknown namespace. */
  checkNamespace(name: string | null | undefined): void {
    this.ns(name);
  }

  ns(name: string | null | undefined): Namespace {
    const n = this.namespaces.get(name || 'default');
    if (!n) throw namespaceNotFound(name ?? '');
    return n;
  }

  /** Schedules the group commit of everything changed so far (durability.ts). */
  flush(): void {
    durability.scheduleCommit(this);
  }

  /** Resolves once every change made so far is in the store. */
  committed(): Promise<void> {
    return durability.committed(this);
  }

  commitNow(): void {
    durability.commitNow(this);
  }

  touch(e: Exec): void {
    this.dirty.add(e);
  }

  timer(e: Exec, key: string, at: number, fn: () => void): void {
    const old = e.rt.timers.get(key);
    if (old) this.clock.cancel(old);
    e.rt.timers.set(
      key,
      this.clock.schedule(at, () => {
        e.rt.timers.delete(key);
        if (!e.running) return;
        fn();
        this.flush();
      }),
    );
  }

  cancelTimer(e: Exec, key: string): void {
    const h = e.rt.timers.get(key);
    if (h) {
      this.clock.cancel(h);
      e.rt.timers.delete(key);
    }
  }

  /**
   * Time skipping may jump only when no workflow task or query is outstanding,
   * no activity waits for a worker, and at most `credit` activities are running
   * (each in-flight UnlockTimeSkippingWithSleep releases one: an activity
   * sleeping in virtual time).
   */
  isIdle(credit: number): boolean {
    if (this.queries.size) return false;
    let running = 0;
    for (const e of this.runs.values()) {
      if (!e.running) continue;
      if (e.s.wft && !(e.s.firstWftAt > 0)) return false;
      for (const a of Object.values(e.s.activities)) {
        if (a.state === 'started') running++;
        else if (a.state !== 'backoff') return false;
      }
    }
    return running <= credit;
  }

  close(): void {
    this.clock.stop();
    this.matching.close();
    for (const q of this.queries.values()) clearTimeout(q.timer);
    this.commitNow();
    this.store.close();
  }

  exec(ns: string | null | undefined, workflowId: string, runId?: string): Exec {
    this.ns(ns);
    const rid = runId || this.current.get(`${ns || 'default'}\0${workflowId}`);
    const e = rid ? this.runs.get(rid) : undefined;
    if (!e || e.s.workflowId !== workflowId)
      throw notFound(`workflow execution not found: workflowId=${workflowId} runId=${runId ?? ''}`);
    return e;
  }

  execOf(
    x: { workflowId?: string | null; runId?: string | null } | null | undefined,
    ns: string | null | undefined,
  ): Exec {
    return this.exec(ns, x?.workflowId ?? '', x?.runId || undefined);
  }

  append(e: Exec, type: number, attrs: any): any {
    const evt = makeEvent(e.nextEventId, type, attrs, this.clock.now());
    e.events.push(evt);
    if (type === EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED) {
      const c = e.s.children[attrs.initiatedEventId];
      if (c) c.startedId = evt.eventId;
    }
    this.touch(e);
    if (e.rt.historyWaiters.size) {
      const ws = [...e.rt.historyWaiters];
      e.rt.historyWaiters.clear();
      for (const w of ws) w();
    }
    return evt;
  }

  /**
   * Adds an event caused by the outside world (signal, activity result, timer...).
   * While a workflow task is running the event is buffered and written after its
   * completion; a not-yet-started transient/speculative task is first turned
   * into a normal one so the event lands before its Scheduled event.
   */
  addExternal(e: Exec, type: number, attrs: any): void {
    const w = e.s.wft;
    if (w && w.startedId) {
      e.s.buffered.push({ type, attrs });
      this.touch(e);
      return;
    }
    if (w && w.transient) {
      e.s.wft = null;
      this.append(e, type, attrs);
      scheduleWft(this, e);
      return;
    }
    this.append(e, type, attrs);
    scheduleWft(this, e);
  }

  flushBuffered(e: Exec): boolean {
    const b = e.s.buffered;
    if (!b.length) return false;
    e.s.buffered = [];
    e.bufferedReset = true;
    let lastId = 0;
    for (const x of b) {
      // '$prev': an activity close event referring to the Started event buffered just before it.
      if (x.attrs?.startedEventId === '$prev') x.attrs.startedEventId = lastId;
      lastId = this.append(e, x.type, x.attrs).eventId;
    }
    return true;
  }

  /** Number of open executions (benchmarks / diagnostics). */
  openCount(): number {
    let n = 0;
    for (const e of this.runs.values()) if (e.running) n++;
    return n;
  }
}

/**
 * The WorkflowService RPCs this engine implements, by method name (grpc.ts
 * answers UNIMPLEMENTED for every other method of the service).
 */
export function workflowServiceHandlers(eng: Engine): Record<string, Handler> {
  return {
    GetSystemInfo: (r, call) => namespaces.getSystemInfo(eng, r, call),
    DescribeNamespace: (r) => namespaces.describeNamespace(eng, r),
    RegisterNamespace: (r) => namespaces.registerNamespace(eng, r),
    ListNamespaces: () => namespaces.listNamespaces(eng),
    GetClusterInfo: () => namespaces.getClusterInfo(),
    GetSearchAttributes: () => namespaces.getSearchAttributes(eng),
    StartWorkflowExecution: (r) => lifecycle.startWorkflowExecution(eng, r),
    SignalWorkflowExecution: (r) => lifecycle.signalWorkflowExecution(eng, r),
    SignalWithStartWorkflowExecution: (r) => lifecycle.signalWithStartWorkflowExecution(eng, r),
    PollWorkflowTaskQueue: (r, call) => workflowTask.pollWorkflowTaskQueue(eng, r, call),
    RespondWorkflowTaskCompleted: (r) => workflowTask.respondWorkflowTaskCompleted(eng, r),
    RespondWorkflowTaskFailed: (r) => workflowTask.respondWorkflowTaskFailed(eng, r),
    PollActivityTaskQueue: (r, call) => activityTask.pollActivityTaskQueue(eng, r, call),
    RespondActivityTaskCompleted: (r) => activityTask.respondActivityTaskCompleted(eng, r),
    RespondActivityTaskFailed: (r) => activityTask.respondActivityTaskFailed(eng, r),
    RespondActivityTaskCanceled: (r) => activityTask.respondActivityTaskCanceled(eng, r),
    RespondActivityTaskCompletedById: (r) => activityTask.respondActivityTaskCompletedById(eng, r),
    RespondActivityTaskFailedById: (r) => activityTask.respondActivityTaskFailedById(eng, r),
    RespondActivityTaskCanceledById: (r) => activityTask.respondActivityTaskCanceledById(eng, r),
    RecordActivityTaskHeartbeat: (r) => activityTask.recordActivityTaskHeartbeat(eng, r),
    RecordActivityTaskHeartbeatById: (r) => activityTask.recordActivityTaskHeartbeatById(eng, r),
    PauseActivity: (r) => activityPause.pauseActivity(eng, r),
    UnpauseActivity: (r) => activityPause.unpauseActivity(eng, r),
    ResetActivity: (r) => activityPause.resetActivity(eng, r),
    RequestCancelWorkflowExecution: (r) => lifecycle.requestCancelWorkflowExecution(eng, r),
    TerminateWorkflowExecution: (r) => lifecycle.terminateWorkflowExecution(eng, r),
    ShutdownWorker: (r) => workflowTask.shutdownWorker(eng, r),
    ResetStickyTaskQueue: (r) => workflowTask.resetStickyTaskQueue(eng, r),
    GetWorkflowExecutionHistory: (r, call) => inspect.getWorkflowExecutionHistory(eng, r, call),
    GetWorkflowExecutionHistoryReverse: (r) => inspect.getWorkflowExecutionHistoryReverse(eng, r),
    DescribeWorkflowExecution: (r) => inspect.describeWorkflowExecution(eng, r),
    ListWorkflowExecutions: (r) => inspect.listWorkflowExecutions(eng, r),
    ScanWorkflowExecutions: (r) => inspect.scanWorkflowExecutions(eng, r),
    CountWorkflowExecutions: (r) => inspect.countWorkflowExecutions(eng, r),
    DescribeTaskQueue: (r) => inspect.describeTaskQueue(eng, r),
    QueryWorkflow: (r) => queries.queryWorkflow(eng, r),
    RespondQueryTaskCompleted: (r) => queries.respondQueryTaskCompleted(eng, r),
    UpdateWorkflowExecution: (r, call) => updates.updateWorkflowExecution(eng, r, call),
    PollWorkflowExecutionUpdate: (r, call) => updates.pollWorkflowExecutionUpdate(eng, r, call),
    ExecuteMultiOperation: (r, call) => updates.executeMultiOperation(eng, r, call),
    DeleteWorkflowExecution: (r) => lifecycle.deleteWorkflowExecution(eng, r),
  };
}
