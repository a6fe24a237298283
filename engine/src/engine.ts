// The workflow engine: history state machine, task dispatch, timers and the
// WorkflowService RPC handlers. Single-threaded by design (Node event loop):
// every handler mutates in-memory state synchronously, then `flush()` commits
// the touched executions to the store before the RPC answers.
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { Clock } from './clock.js';
import { Matching } from './matching.js';
import type { Store } from './store.js';
import {
  Exec,
  type ExecState,
  type ActivityState,
  type Update,
  makeEvent,
  attrsOf,
  retryFromProto,
  retryToProto,
  nextRetry,
} from './history.js';
import { ev, cmdType, durMs, msDur, ts, encode, decode, T, anyPack, anyUnpack, num } from './proto.js';
import { RpcError, notFound, invalid, unimplemented } from './grpc.js';
import { compileQuery, type SaTypes } from './visibility.js';

const S = { RUNNING: 1, COMPLETED: 2, FAILED: 3, CANCELED: 4, TERMINATED: 5, CONTINUED_AS_NEW: 6, TIMED_OUT: 7 };
const DEFAULT_WFT_TIMEOUT = 10_000;
const QUERY_TIMEOUT = 30_000;
const UPDATE_WAIT = 50_000;
const HISTORY_WAIT = 30_000;
/** A sticky queue nobody has polled for this long has lost its worker. */
const STICKY_POLLER_GONE_MS = 1000;
// Temporal's defaults: limit.maxIDLength, history.maxInFlightUpdates, history.maxTotalUpdates.
const MAX_ID_LENGTH = 1000;
const MAX_IN_FLIGHT_UPDATES = 10;
const MAX_TOTAL_UPDATES = 2000;
/** What an accepted update's caller gets when the run closes before the update completes (Temporal's wording). */
const UPDATE_ABORTED_BY_CLOSE = {
  failure: {
    message: 'Workflow Update failed because the Workflow completed before the Update completed.',
    source: 'Server',
    applicationFailureInfo: { type: 'AcceptedUpdateCompletedWorkflow', nonRetryable: true },
  },
};

function token(o: any): Buffer {
  return Buffer.from(JSON.stringify(o));
}
function parseToken(b: any): any {
  const buf = Buffer.from(b ?? []);
  if (!buf.length) throw invalid('task token is required');
  try {
    return JSON.parse(buf.toString());
  } catch {
    // Well formed for some server (e.g. a real Temporal token) but not one this
    // engine issued: like Temporal for a token naming an unknown task.
    throw notFound('task not found: the task token does not refer to a task of this server');
  }
}

function checkIdLength(workflowId: string): void {
  if (workflowId.length > MAX_ID_LENGTH)
    throw invalid(`WorkflowId length exceeds limit (${workflowId.length}/${MAX_ID_LENGTH}).`);
}

/** NOT_FOUND with the NamespaceNotFoundFailure detail clients turn into NamespaceNotFoundError. */
function namespaceNotFound(name: string): RpcError {
  return new RpcError(grpc.status.NOT_FOUND, `Namespace ${name} is not found.`, {
    typeName: 'temporal.api.errordetails.v1.NamespaceNotFoundFailure',
    value: { namespace: name },
  });
}

export interface EngineOptions {
  store: Store;
  timeSkipping: boolean;
  namespaces?: string[];
  searchAttributes?: Record<string, string>;
  limits?: Partial<Limits>;
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
function blobSize(kind: 'payloads' | 'failure' | 'map', v: any): number {
  if (!v) return 0;
  if (kind === 'map') return Object.values(v).reduce<number>((n, p) => n + blobSize('payloads', p), 0);
  return encode(kind === 'payloads' ? T.Payloads() : T.Failure(), v).length;
}

interface Namespace {
  name: string;
  id: string;
  description?: string;
  retentionDays: number;
}

export class Engine {
  readonly clock: Clock;
  readonly matching = new Matching(60_000);
  private store: Store;
  private namespaces = new Map<string, Namespace>();
  runs = new Map<string, Exec>();
  private current = new Map<string, string>(); // ns\0workflowId -> latest runId
  private dirty = new Set<Exec>();
  private queries = new Map<
    string,
    { resolve: (r: any) => void; reject: (e: any) => void; timer: NodeJS.Timeout; exec: Exec; req: any }
  >();
  saTypes: SaTypes = new Map();
  private commitScheduled = false;
  private commitWaiters: (() => void)[] = [];
  readonly limits: Limits;
  /** Set while an eager start creates its run: the first task is not queued. */
  private holdWft = false;

  constructor(opts: EngineOptions) {
    this.store = opts.store;
    this.limits = { ...defaultLimits, ...opts.limits };
    this.clock = new Clock(opts.timeSkipping);
    this.clock.isIdle = (credit) => this.isIdle(credit);
    for (const [k, v] of Object.entries(opts.searchAttributes ?? {})) this.saTypes.set(k, v);
    for (const n of this.store.loadNamespaces()) this.namespaces.set(n.name, n);
    for (const n of ['default', ...(opts.namespaces ?? [])]) if (!this.namespaces.has(n)) this.registerNs(n);
    this.load();
  }

  // ---------------------------------------------------------------- infra

  private registerNs(name: string, description = '', retentionDays = 1): Namespace {
    const ns = { name, id: randomUUID(), description, retentionDays };
    this.namespaces.set(name, ns);
    this.store.saveNamespace(name, ns);
    return ns;
  }

  /**
   * Like Temporal, search attribute payloads carry their registered type in the
   * `type` metadata (so e.g. a Datetime comes back as a Date in typed attributes).
   */
  private tagSa(sa: any): any {
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
  checkNamespace(name: string): void {
    this.ns(name);
  }

  private ns(name: string): Namespace {
    const n = this.namespaces.get(name || 'default');
    if (!n) throw namespaceNotFound(name);
    return n;
  }

  private load(): void {
    const stored = this.store.loadExecutions();
    for (const st of stored) {
      const e = new Exec({ ...(st.state as ExecState), buffered: st.buffered });
      e.bufferedPersisted = st.buffered.length;
      e.events = st.events.map((b) => decode(T.HistoryEvent(), b));
      for (const b of st.events) e.historyBytes += b.length;
      e.persisted = e.events.length;
      e.s.sticky = undefined; // worker caches may be gone: always resend full history after a restart
      this.runs.set(e.s.runId, e);
      const key = `${e.s.ns}\0${e.s.workflowId}`;
      const cur = this.current.get(key);
      if (!cur || this.runs.get(cur)!.s.startTime <= e.s.startTime) this.current.set(key, e.s.runId);
    }
    for (const e of this.runs.values()) if (e.running) this.rearm(e);
  }

  /** Rebuilds dispatch and timers for an open execution after a restart. */
  private rearm(e: Exec): void {
    const s = e.s;
    const w = s.wft;
    if (w && w.transient) {
      // A transient or speculative task lives only in memory: its Scheduled/Started
      // events were never written. Like Temporal after a shard move, it is gone; a
      // fresh one is scheduled, and a stale completion of the old one is refused
      // (the task token carries the attempt's request id).
      s.wft = null;
      this.scheduleWft(e, w.attempt, { transient: w.attempt > 1 });
      return;
    }
    if (w) {
      if (w.startedId) {
        // Started before the crash: the worker may still complete it; otherwise it times out.
        this.timer(e, 'wft', w.startedTime + w.timeoutMs, () => this.wftTimeout(e, w.scheduledId, w.attempt));
      } else if (s.firstWftAt > 0) {
        this.timer(e, 'firstwft', s.firstWftAt, () => this.firstWft(e));
      } else {
        this.enqueueWft(e);
      }
    }
    if (!w && s.wftRetry) this.armWftRetry(e);
    if (!w && s.firstWftAt > 0) this.timer(e, 'firstwft', s.firstWftAt, () => this.firstWft(e));
    for (const a of Object.values(s.activities)) this.armActivity(e, a);
    for (const [id, t] of Object.entries(s.timers)) this.timer(e, `timer:${id}`, t.fireAt, () => this.fireTimer(e, id));
    if (s.runDeadline) this.timer(e, 'run', s.runDeadline, () => this.runTimeout(e));
  }

  /**
   * Group commit: mutations mark executions dirty and schedule one SQLite
   * transaction for everything changed in the current event-loop turn. RPC
   * answers (including poll responses carrying a just-started task) wait for
   * `committed()`, so nothing leaves the engine before it is durable, while
   * concurrent RPCs share a transaction instead of paying one each.
   */
  flush(): void {
    if (!this.dirty.size || this.commitScheduled) return;
    this.commitScheduled = true;
    setImmediate(() => this.commitNow());
  }

  /** Resolves once every change made so far is in the store. */
  committed(): Promise<void> {
    if (!this.dirty.size && !this.commitScheduled) return Promise.resolve();
    this.flush();
    return new Promise((resolve) => this.commitWaiters.push(resolve));
  }

  commitNow(): void {
    this.commitScheduled = false;
    const waiters = this.commitWaiters;
    this.commitWaiters = [];
    try {
      this.writeDirty();
    } finally {
      for (const w of waiters) w();
    }
  }

  private writeDirty(): void {
    if (!this.dirty.size) return;
    const rows = [];
    for (const e of this.dirty) {
      if (e.rt.pendingQueries.length && (!e.s.wft || !e.running)) {
        const qs = e.rt.pendingQueries;
        e.rt.pendingQueries = [];
        for (const q of qs) q();
      }
      const newEvents = [];
      for (let i = e.persisted; i < e.events.length; i++) {
        const data = encode(T.HistoryEvent(), e.events[i]);
        e.historyBytes += data.length;
        newEvents.push({ id: i + 1, data });
      }
      e.persisted = e.events.length;
      const { transientEvents: _t, ...wft } = e.s.wft ?? ({} as any);
      const buf = e.s.buffered;
      const resetBuffered = e.bufferedReset;
      e.bufferedReset = false;
      const start = resetBuffered ? 0 : e.bufferedPersisted;
      const newBuffered = [];
      for (let i = start; i < buf.length; i++) newBuffered.push({ seq: i, item: buf[i] });
      e.bufferedPersisted = buf.length;
      rows.push({
        runId: e.s.runId,
        ns: e.s.ns,
        workflowId: e.s.workflowId,
        state: { ...e.s, wft: e.s.wft ? wft : null, buffered: undefined },
        newEvents,
        resetBuffered,
        newBuffered,
      });
    }
    this.dirty.clear();
    this.store.commit(rows);
    this.clock.requestSkipCheck();
  }

  private touch(e: Exec): void {
    this.dirty.add(e);
  }

  private timer(e: Exec, key: string, at: number, fn: () => void): void {
    const old = e.rt.timers.get(key);
    if (old) this.clock.cancel(old);
    e.rt.timers.set(
      key,
      this.clock.schedule(at, () => {
        e.rt.timers.delete(key);
        if (!e.running && key !== 'retention') return;
        fn();
        this.flush();
      }),
    );
  }
  private cancelTimer(e: Exec, key: string): void {
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
  private isIdle(credit: number): boolean {
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

  // ---------------------------------------------------------------- lookup

  private exec(ns: string, workflowId: string, runId?: string): Exec {
    this.ns(ns);
    const rid = runId || this.current.get(`${ns || 'default'}\0${workflowId}`);
    const e = rid ? this.runs.get(rid) : undefined;
    if (!e || e.s.workflowId !== workflowId)
      throw notFound(`workflow execution not found: workflowId=${workflowId} runId=${runId ?? ''}`);
    return e;
  }
  private execOf(x: any, ns: string): Exec {
    return this.exec(ns, x?.workflowId ?? '', x?.runId || undefined);
  }

  // ---------------------------------------------------------------- history primitives

  private append(e: Exec, type: number, attrs: any): any {
    const evt = makeEvent(e.nextEventId, type, attrs, this.clock.now());
    e.events.push(evt);
    if (type === ev('CHILD_WORKFLOW_EXECUTION_STARTED')) {
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
  private addExternal(e: Exec, type: number, attrs: any): void {
    const w = e.s.wft;
    if (w && w.startedId) {
      e.s.buffered.push({ type, attrs });
      this.touch(e);
      return;
    }
    if (w && w.transient) {
      e.s.wft = null;
      this.append(e, type, attrs);
      this.scheduleWft(e);
      return;
    }
    this.append(e, type, attrs);
    this.scheduleWft(e);
  }

  private flushBuffered(e: Exec): boolean {
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

  // ---------------------------------------------------------------- workflow tasks

  private scheduleWft(e: Exec, attempt = 1, opts: { transient?: boolean; speculative?: boolean } = {}): void {
    if (!e.running || e.s.wft) return;
    if (e.s.firstWftAt > 0) return; // start delay pending; the delayed task sees all events
    if (e.s.wftRetry) {
      // New events end the backoff of a failing task: retry now, as a normal task.
      e.s.wftRetry = undefined;
      this.cancelTimer(e, 'wftRetry');
    }
    const now = this.clock.now();
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
      this.append(e, ev('WORKFLOW_TASK_SCHEDULED'), {
        taskQueue: { name: e.s.taskQueue, kind: 1 },
        startToCloseTimeout: msDur(e.s.wft.timeoutMs),
        attempt,
      });
    }
    this.touch(e);
    this.enqueueWft(e);
  }

  private enqueueWft(e: Exec): void {
    if (this.holdWft) return; // eager start: started by StartWorkflowExecution itself
    const w = e.s.wft!;
    const sticky = e.s.sticky;
    const key = sticky ? `${e.s.ns}|w|${sticky.queue}` : '';
    if (sticky && this.matching.hasRecentPoller(key, STICKY_POLLER_GONE_MS)) {
      this.matching.add(key, { start: () => this.startWft(e, w, true) });
      const fallBack = () => {
        if (e.s.wft === w && !w.startedId) {
          e.s.sticky = undefined;
          this.matching.add(`${e.s.ns}|w|${e.s.taskQueue}`, { start: () => this.startWft(e, w, false) });
        }
      };
      // Sticky schedule-to-start: fall back to the normal queue (full history) if
      // the sticky worker does not pick the task up in time, or sooner once its
      // polls are gone (a killed worker), like Temporal's sticky-worker-unavailable check.
      const deadline = this.clock.now() + sticky.timeoutMs;
      const check = () => {
        if (e.s.wft !== w || w.startedId) return;
        if (this.clock.now() >= deadline || !this.matching.hasRecentPoller(key, STICKY_POLLER_GONE_MS)) fallBack();
        else this.timer(e, 'wftS2S', Math.min(deadline, this.clock.now() + STICKY_POLLER_GONE_MS), check);
      };
      this.timer(e, 'wftS2S', Math.min(deadline, this.clock.now() + STICKY_POLLER_GONE_MS), check);
    } else {
      // No worker polls the sticky queue (it was killed or shut down): normal queue, full history.
      if (sticky) e.s.sticky = undefined;
      this.matching.add(`${e.s.ns}|w|${e.s.taskQueue}`, { start: () => this.startWft(e, w, false) });
    }
  }

  private startWft(e: Exec, w: any, sticky: boolean): any | null {
    if (e.s.wft !== w || w.startedId || !e.running) return null;
    const now = this.clock.now();
    w.startedTime = now;
    w.onSticky = sticky;
    w.requestId = randomUUID();
    let transientEvents: any[] = [];
    // Temporal's default continue-as-new suggestion thresholds (4Ki events / 4 MiB).
    // Events not committed yet (a poller was already waiting) count too.
    let size = e.historyBytes;
    for (let i = e.persisted; i < e.events.length; i++) size += encode(T.HistoryEvent(), e.events[i]).length;
    const started = {
      historySizeBytes: size,
      suggestContinueAsNew: e.events.length >= 4096 || size >= 4 * 1024 * 1024,
    };
    if (w.transient) {
      w.scheduledId = e.nextEventId;
      w.startedId = e.nextEventId + 1;
      transientEvents = [
        makeEvent(
          w.scheduledId,
          ev('WORKFLOW_TASK_SCHEDULED'),
          { taskQueue: { name: e.s.taskQueue, kind: 1 }, startToCloseTimeout: msDur(w.timeoutMs), attempt: w.attempt },
          w.scheduledTime,
        ),
        makeEvent(
          w.startedId,
          ev('WORKFLOW_TASK_STARTED'),
          { scheduledEventId: w.scheduledId, requestId: w.requestId, ...started },
          now,
        ),
      ];
      w.transientEvents = transientEvents;
    } else {
      w.startedId = e.nextEventId;
      this.append(e, ev('WORKFLOW_TASK_STARTED'), {
        scheduledEventId: w.scheduledId,
        requestId: w.requestId,
        ...started,
      });
    }
    this.cancelTimer(e, 'wftS2S');
    this.timer(e, 'wft', now + w.timeoutMs, () => this.wftTimeout(e, w.scheduledId, w.attempt));
    this.touch(e);
    // Commit the Started event before the task leaves the engine.
    this.flush();
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
      workflowExecutionTaskQueue: { name: e.s.taskQueue, kind: 1 },
      scheduledTime: ts(w.scheduledTime),
      startedTime: ts(now),
      messages,
    };
  }

  private wftFromToken(tok: any): { e: Exec; w: NonNullable<ExecState['wft']> } {
    const e = this.runs.get(tok.r);
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

  private wftTimeout(e: Exec, scheduledId: number, attempt: number): void {
    const w = e.s.wft;
    if (!w || w.scheduledId !== scheduledId || w.attempt !== attempt || !w.startedId) return;
    this.failWft(e, w, { timeout: true });
  }

  /** Shared by RespondWorkflowTaskFailed and the start-to-close timeout. */
  private failWft(
    e: Exec,
    w: NonNullable<ExecState['wft']>,
    o: { timeout?: boolean; cause?: number; failure?: any; identity?: string },
  ): void {
    this.cancelTimer(e, 'wft');
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
      this.touch(e);
    }
    if (!w.transient) {
      if (o.timeout) {
        this.append(e, ev('WORKFLOW_TASK_TIMED_OUT'), {
          scheduledEventId: w.scheduledId,
          startedEventId: w.startedId,
          timeoutType: 1,
        });
      } else {
        this.append(e, ev('WORKFLOW_TASK_FAILED'), {
          scheduledEventId: w.scheduledId,
          startedEventId: w.startedId,
          cause: o.cause ?? 0,
          failure: o.failure,
          identity: o.identity,
        });
      }
    }
    const hadBuffered = this.flushBuffered(e);
    // Later attempts are transient: no new failure events, Scheduled/Started only
    // attached to the poll response until one attempt completes. A failing task
    // is retried at once, then with a growing delay (capped at 10 s) so a broken
    // workflow does not spin the worker.
    const attempt = w.attempt + 1;
    const delay = attempt <= 2 ? 0 : Math.min(10_000, 200 * 2 ** (attempt - 3));
    if (delay && !hadBuffered) {
      e.s.wftRetry = { attempt, at: this.clock.now() + delay };
      this.armWftRetry(e);
    } else {
      this.scheduleWft(e, attempt, { transient: !hadBuffered });
    }
    this.touch(e);
  }

  private armWftRetry(e: Exec): void {
    const r = e.s.wftRetry!;
    this.timer(e, 'wftRetry', r.at, () => {
      e.s.wftRetry = undefined;
      this.touch(e);
      if (!e.s.wft) this.scheduleWft(e, r.attempt, { transient: true });
    });
  }

  private firstWft(e: Exec): void {
    e.s.firstWftAt = 0;
    e.s.wft = null;
    this.scheduleWft(e);
  }

  // ---------------------------------------------------------------- start

  private startExecution(
    ns: string,
    r: any,
    extra: {
      execDeadline?: number;
      parent?: ExecState['parent'];
      root?: { wid: string; rid: string };
      signal?: any;
      continuedFrom?: Exec;
      firstRunId?: string;
      attempt?: number;
      backoffMs?: number;
      lastCompletionResult?: any;
      continuedFailure?: any;
      initiator?: number;
    },
  ): Exec {
    const now = this.clock.now();
    const runId = randomUUID();
    const runTimeoutMs = durMs(r.workflowRunTimeout) || durMs(r.workflowExecutionTimeout);
    const execTimeoutMs = durMs(r.workflowExecutionTimeout);
    const delayMs = durMs(r.workflowStartDelay) || extra.backoffMs || 0;
    const firstRunId = extra.firstRunId ?? runId;
    const s: ExecState = {
      ns,
      workflowId: r.workflowId,
      runId,
      firstRunId,
      workflowType: r.workflowType?.name ?? '',
      taskQueue: r.taskQueue?.name ?? '',
      status: S.RUNNING,
      startTime: now,
      executionTime: now + delayMs,
      closeTime: 0,
      startRequestId: r.requestId ?? '',
      runTimeoutMs,
      execTimeoutMs,
      wftTimeoutMs: durMs(r.workflowTaskTimeout) || DEFAULT_WFT_TIMEOUT,
      runDeadline: 0,
      // The execution timeout spans the whole continue-as-new chain.
      execDeadline: extra.execDeadline ?? (execTimeoutMs ? now + delayMs + execTimeoutMs : 0),
      firstWftAt: delayMs ? now + delayMs : 0,
      memo: r.memo,
      searchAttributes: this.tagSa(r.searchAttributes)?.indexedFields,
      userMetadata: r.userMetadata,
      priority: r.priority,
      parent: extra.parent,
      rootWorkflowId: extra.root?.wid ?? r.workflowId,
      rootRunId: extra.root?.rid ?? runId,
      wft: null,
      lastCompletedStartedId: 0,
      buffered: [],
      activities: {},
      timers: {},
      children: {},
      cancelRequested: false,
      signalRequestIds: [],
      retryPolicy: r.retryPolicy,
      attempt: extra.attempt ?? 1,
    };
    const runEnd = runTimeoutMs ? now + delayMs + runTimeoutMs : 0;
    s.runDeadline = runEnd && s.execDeadline ? Math.min(runEnd, s.execDeadline) : runEnd || s.execDeadline;
    if (!s.taskQueue) throw invalid('task queue is required');
    if (!s.workflowType) throw invalid('workflow type is required');
    if (!s.workflowId) throw invalid('workflow id is required');
    checkIdLength(s.workflowId);
    const e = new Exec(s);
    this.runs.set(runId, e);
    this.current.set(`${ns}\0${s.workflowId}`, runId);
    const p = extra.parent;
    this.append(e, ev('WORKFLOW_EXECUTION_STARTED'), {
      workflowType: { name: s.workflowType },
      parentWorkflowNamespace: p?.ns,
      parentWorkflowNamespaceId: p ? this.namespaces.get(p.ns)?.id : undefined,
      parentWorkflowExecution: p ? { workflowId: p.workflowId, runId: p.runId } : undefined,
      parentInitiatedEventId: p?.initiatedId,
      taskQueue: { name: s.taskQueue, kind: 1 },
      input: r.input,
      workflowExecutionTimeout: msDur(execTimeoutMs),
      workflowRunTimeout: msDur(runTimeoutMs),
      workflowTaskTimeout: msDur(s.wftTimeoutMs),
      continuedExecutionRunId: extra.continuedFrom?.s.runId,
      initiator: extra.initiator,
      continuedFailure: extra.continuedFailure,
      lastCompletionResult: extra.lastCompletionResult,
      originalExecutionRunId: runId,
      identity: r.identity,
      firstExecutionRunId: firstRunId,
      retryPolicy: r.retryPolicy,
      attempt: s.attempt,
      firstWorkflowTaskBackoff: msDur(delayMs),
      memo: r.memo,
      searchAttributes: this.tagSa(r.searchAttributes),
      header: r.header,
      workflowId: s.workflowId,
      // Like Temporal: only a child names its root.
      rootWorkflowExecution: p ? { workflowId: s.rootWorkflowId, runId: s.rootRunId } : undefined,
      cronSchedule: r.cronSchedule || undefined,
      priority: r.priority,
    });
    if (r.userMetadata) e.events[e.events.length - 1].userMetadata = r.userMetadata;
    if (extra.signal) this.append(e, ev('WORKFLOW_EXECUTION_SIGNALED'), extra.signal);
    if (s.runDeadline) this.timer(e, 'run', s.runDeadline, () => this.runTimeout(e));
    if (delayMs) {
      s.wft = null;
      this.timer(e, 'firstwft', s.firstWftAt, () => this.firstWft(e));
    } else {
      this.scheduleWft(e);
    }
    this.touch(e);
    return e;
  }

  private alreadyStarted(e: Exec): RpcError {
    return new RpcError(
      grpc.status.ALREADY_EXISTS,
      `Workflow execution is already running. WorkflowId: ${e.s.workflowId}, RunId: ${e.s.runId}.`,
      {
        typeName: 'temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure',
        value: { startRequestId: e.s.startRequestId, runId: e.s.runId, firstExecutionRunId: e.s.firstRunId },
      },
    );
  }

  /** Applies id reuse / conflict policies; returns an existing run to hand back, or undefined to start. */
  private checkStart(ns: string, r: any): Exec | undefined {
    const curId = this.current.get(`${ns}\0${r.workflowId}`);
    const cur = curId ? this.runs.get(curId) : undefined;
    if (!cur) return undefined;
    if (cur.running) {
      if (r.requestId && cur.s.startRequestId === r.requestId) return cur;
      const conflict = r.workflowIdConflictPolicy || 1;
      if (conflict === 2) return cur; // USE_EXISTING
      if (conflict === 3 || r.workflowIdReusePolicy === 4) {
        this.terminate(cur, 'terminated by start with TERMINATE_EXISTING conflict policy', undefined, r.identity);
        return undefined;
      }
      throw this.alreadyStarted(cur);
    }
    if (r.requestId && cur.s.startRequestId === r.requestId) return cur;
    const reuse = r.workflowIdReusePolicy || 1;
    if (reuse === 3) throw this.alreadyStarted(cur);
    if (reuse === 2 && cur.s.status === S.COMPLETED) throw this.alreadyStarted(cur);
    return undefined;
  }

  // ---------------------------------------------------------------- close

  private closeExec(e: Exec, status: number, type: number, attrs: any): void {
    const w = e.s.wft;
    if (
      w &&
      w.startedId &&
      !w.transient &&
      type !== ev('WORKFLOW_EXECUTION_COMPLETED') &&
      !attrs.workflowTaskCompletedEventId
    ) {
      // Keep history well formed when a running task is cut short (terminate/timeout).
      this.append(e, ev('WORKFLOW_TASK_FAILED'), {
        scheduledEventId: w.scheduledId,
        startedEventId: w.startedId,
        cause: 17,
      });
    }
    e.s.wft = null;
    if (!attrs.workflowTaskCompletedEventId) this.flushBuffered(e);
    e.s.buffered = [];
    e.bufferedReset = true;
    this.append(e, type, attrs);
    e.s.status = status;
    e.s.closeTime = this.clock.now();
    for (const h of e.rt.timers.values()) this.clock.cancel(h);
    e.rt.timers.clear();
    e.s.activities = {};
    e.s.timers = {};
    this.touch(e);
    for (const u of e.rt.updates.values()) {
      if (u.state === 'accepted') {
        u.state = 'completed';
        u.outcome = UPDATE_ABORTED_BY_CLOSE;
      }
      if (u.state === 'admitted' || u.state === 'completed') {
        const ws = [...u.waiters];
        u.waiters.clear();
        for (const f of ws) f();
      }
    }
    // Parent close policy for children still open.
    for (const c of Object.values(e.s.children)) {
      const child = this.runs.get(c.runId);
      if (!child || !child.running) continue;
      if (c.parentClosePolicy === 2) continue; // ABANDON
      if (c.parentClosePolicy === 3) this.requestCancel(child, 'parent closed', undefined);
      else this.terminate(child, 'by parent close policy', undefined, 'duban-temporal');
    }
    e.s.children = {};
    // Tell the parent, unless this run continued as new (the next run reports).
    const p = e.s.parent;
    const retrying = status === S.FAILED && attrs.retryState === 1;
    if (p && status !== S.CONTINUED_AS_NEW && !retrying) {
      const parent = this.runs.get(p.runId);
      if (parent && parent.running) {
        const c = parent.s.children[p.initiatedId];
        const base = {
          namespace: e.s.ns,
          workflowExecution: { workflowId: e.s.workflowId, runId: e.s.runId },
          workflowType: { name: e.s.workflowType },
          initiatedEventId: p.initiatedId,
          startedEventId: c?.startedId ?? 0,
        };
        delete parent.s.children[p.initiatedId];
        if (status === S.COMPLETED)
          this.addExternal(parent, ev('CHILD_WORKFLOW_EXECUTION_COMPLETED'), { ...base, result: attrs.result });
        else if (status === S.FAILED)
          this.addExternal(parent, ev('CHILD_WORKFLOW_EXECUTION_FAILED'), {
            ...base,
            failure: attrs.failure,
            retryState: attrs.retryState,
          });
        else if (status === S.CANCELED)
          this.addExternal(parent, ev('CHILD_WORKFLOW_EXECUTION_CANCELED'), { ...base, details: attrs.details });
        else if (status === S.TIMED_OUT)
          this.addExternal(parent, ev('CHILD_WORKFLOW_EXECUTION_TIMED_OUT'), { ...base, retryState: attrs.retryState });
        else if (status === S.TERMINATED) this.addExternal(parent, ev('CHILD_WORKFLOW_EXECUTION_TERMINATED'), base);
      }
    }
  }

  private terminate(e: Exec, reason: string, details: any, identity?: string): void {
    this.closeExec(e, S.TERMINATED, ev('WORKFLOW_EXECUTION_TERMINATED'), { reason, details, identity });
  }

  private requestCancel(e: Exec, reason: string, identity?: string, external?: any): void {
    if (e.s.cancelRequested) return;
    e.s.cancelRequested = true;
    this.addExternal(e, ev('WORKFLOW_EXECUTION_CANCEL_REQUESTED'), {
      cause: reason,
      identity,
      externalInitiatedEventId: external?.initiatedId,
      externalWorkflowExecution: external?.execution,
    });
  }

  private runTimeout(e: Exec): void {
    if (!e.running) return;
    // The execution timeout ends every retry (TIMEOUT); a run timeout without a
    // retry policy is RETRY_POLICY_NOT_SET.
    const execExpired = e.s.execDeadline > 0 && this.clock.now() >= e.s.execDeadline;
    this.closeExec(e, S.TIMED_OUT, ev('WORKFLOW_EXECUTION_TIMED_OUT'), { retryState: execExpired ? 3 : 5 });
  }

  // ---------------------------------------------------------------- activities

  private armActivity(e: Exec, a: ActivityState): void {
    const k = `act:${a.scheduledId}`;
    if (a.s2cMs)
      this.timer(e, `${k}:s2c`, a.scheduledTime + a.s2cMs, () => this.activityTimeout(e, a.scheduledId, a.attempt, 3));
    if (a.state === 'backoff') {
      this.timer(e, `${k}:retry`, a.retryAt, () => this.retryActivity(e, a.scheduledId, a.attempt));
    } else if (a.state === 'scheduled') {
      this.dispatchActivity(e, a);
    } else {
      this.timer(e, `${k}:st2c`, a.startedTime + a.st2cMs, () => this.activityTimeout(e, a.scheduledId, a.attempt, 1));
      if (a.hbMs)
        this.timer(e, `${k}:hb`, Math.max(a.lastHeartbeat, a.startedTime) + a.hbMs, () =>
          this.activityTimeout(e, a.scheduledId, a.attempt, 4),
        );
    }
  }

  private dispatchActivity(e: Exec, a: ActivityState): void {
    const attempt = a.attempt;
    if (a.s2sMs)
      this.timer(e, `act:${a.scheduledId}:s2s`, a.attemptScheduledTime + a.s2sMs, () =>
        this.activityTimeout(e, a.scheduledId, attempt, 2),
      );
    this.matching.add(`${e.s.ns}|a|${a.taskQueue}`, { start: () => this.startActivity(e, a.scheduledId, attempt) });
  }

  private startActivity(e: Exec, sid: number, attempt: number): any | null {
    const a = e.s.activities[sid];
    if (!e.running || !a || a.attempt !== attempt || a.state !== 'scheduled' || a.paused) return null;
    const now = this.clock.now();
    a.state = 'started';
    a.startedTime = now;
    a.lastHeartbeat = 0;
    a.requestId = randomUUID();
    const k = `act:${sid}`;
    this.cancelTimer(e, `${k}:s2s`);
    this.timer(e, `${k}:st2c`, now + a.st2cMs, () => this.activityTimeout(e, sid, attempt, 1));
    if (a.hbMs) this.timer(e, `${k}:hb`, now + a.hbMs, () => this.activityTimeout(e, sid, attempt, 4));
    this.touch(e);
    this.flush();
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

  private clearActivityTimers(e: Exec, sid: number): void {
    for (const s of ['s2c', 's2s', 'st2c', 'hb', 'retry']) this.cancelTimer(e, `act:${sid}:${s}`);
  }

  /** Closes an activity with a terminal event (completed/failed/timed out/canceled). */
  private closeActivity(e: Exec, a: ActivityState, type: number, attrs: any): void {
    this.clearActivityTimers(e, a.scheduledId);
    delete e.s.activities[a.scheduledId];
    const w = e.s.wft;
    const buffering = !!(w && w.startedId);
    const started = a.state === 'started';
    if (buffering) {
      if (started)
        e.s.buffered.push({
          type: ev('ACTIVITY_TASK_STARTED'),
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
      this.touch(e);
      return;
    }
    if (w && w.transient) {
      e.s.wft = null;
    }
    let startedId = 0;
    if (started)
      startedId = this.append(e, ev('ACTIVITY_TASK_STARTED'), {
        scheduledEventId: a.scheduledId,
        identity: a.identity,
        requestId: a.requestId,
        attempt: a.attempt,
        lastFailure: a.lastFailure,
      }).eventId;
    this.append(e, type, { ...attrs, scheduledEventId: a.scheduledId, startedEventId: startedId });
    this.scheduleWft(e);
  }

  private activityFromToken(tok: any): { e: Exec; a: ActivityState } {
    const e = this.runs.get(tok.r);
    const a = e?.s.activities[tok.s];
    if (!e || !e.running || !a || a.attempt !== tok.a || a.state !== 'started')
      throw notFound('activity task not found (completed, timed out, or the workflow closed)');
    return { e, a };
  }
  private activityById(r: any): { e: Exec; a: ActivityState } {
    const e = this.exec(r.namespace, r.workflowId, r.runId || undefined);
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
  private endAttempt(a: ActivityState): void {
    if (!a.restartCount) return;
    a.attempt = 1;
    a.reset = false;
    a.restartCount = false;
  }

  private activityFailed(e: Exec, a: ActivityState, failure: any, identity?: string, details?: any): void {
    const now = this.clock.now();
    if (details) a.heartbeatDetails = details;
    this.endAttempt(a);
    const deadline = a.s2cMs ? a.scheduledTime + a.s2cMs : 0;
    const d = a.cancelRequestedId ? { retryState: 7 } : nextRetry(a.retry, a.attempt, failure, now, deadline);
    if ('backoffMs' in d) {
      this.scheduleRetry(e, a, failure, d.backoffMs);
      return;
    }
    a.identity = identity ?? a.identity;
    this.closeActivity(e, a, ev('ACTIVITY_TASK_FAILED'), { failure, identity, retryState: d.retryState });
  }

  private scheduleRetry(e: Exec, a: ActivityState, failure: any, backoffMs: number): void {
    this.clearActivityTimers(e, a.scheduledId);
    a.lastFailure = failure;
    a.state = 'backoff';
    a.retryAt = this.clock.now() + backoffMs;
    this.touch(e);
    if (a.s2cMs)
      this.timer(e, `act:${a.scheduledId}:s2c`, a.scheduledTime + a.s2cMs, () =>
        this.activityTimeout(e, a.scheduledId, a.attempt + 1, 3),
      );
    // A paused activity keeps its retry pending until it is unpaused.
    if (!a.paused) this.armRetry(e, a);
  }

  private armRetry(e: Exec, a: ActivityState): void {
    const attempt = a.attempt;
    this.timer(e, `act:${a.scheduledId}:retry`, a.retryAt, () => this.retryActivity(e, a.scheduledId, attempt));
  }

  private retryActivity(e: Exec, sid: number, attempt: number): void {
    const a = e.s.activities[sid];
    if (!a || a.attempt !== attempt || a.state !== 'backoff' || a.paused) return;
    a.attempt++;
    if (a.resetHeartbeat) {
      a.heartbeatDetails = undefined;
      a.lastHeartbeat = 0;
      a.resetHeartbeat = false;
    }
    a.state = 'scheduled';
    a.attemptScheduledTime = this.clock.now();
    this.touch(e);
    this.dispatchActivity(e, a);
  }

  private activityTimeout(e: Exec, sid: number, attempt: number, timeoutType: number): void {
    const a = e.s.activities[sid];
    if (!a) return;
    // Schedule-to-close is one deadline for the activity's whole life (all attempts).
    if (timeoutType !== 3 && a.attempt !== attempt) return;
    if (timeoutType === 2 && a.state !== 'scheduled') return;
    if ((timeoutType === 1 || timeoutType === 4) && a.state !== 'started') return;
    const names: Record<number, string> = {
      1: 'StartToClose',
      2: 'ScheduleToStart',
      3: 'ScheduleToClose',
      4: 'Heartbeat',
    };
    const failure = {
      message: `activity ${names[timeoutType]} timeout`,
      source: 'Server',
      timeoutFailureInfo: { timeoutType, lastHeartbeatDetails: a.heartbeatDetails },
      cause: a.lastFailure,
    };
    if (timeoutType === 1 || timeoutType === 4) {
      this.endAttempt(a);
      const deadline = a.s2cMs ? a.scheduledTime + a.s2cMs : 0;
      const d = nextRetry(a.retry, a.attempt, failure, this.clock.now(), deadline);
      if ('backoffMs' in d) {
        this.scheduleRetry(e, a, failure, d.backoffMs);
        return;
      }
      this.closeActivity(e, a, ev('ACTIVITY_TASK_TIMED_OUT'), { failure, retryState: d.retryState });
      return;
    }
    this.closeActivity(e, a, ev('ACTIVITY_TASK_TIMED_OUT'), { failure, retryState: timeoutType === 3 ? 3 : 2 });
  }

  // ---------------------------------------------------------------- timers

  private fireTimer(e: Exec, timerId: string): void {
    const t = e.s.timers[timerId];
    if (!t) return;
    delete e.s.timers[timerId];
    this.addExternal(e, ev('TIMER_FIRED'), { timerId, startedEventId: t.startedId });
  }

  // ---------------------------------------------------------------- RPC: namespaces & system

  GetSystemInfo(_r: any, call?: grpc.ServerUnaryCall<any, any>) {
    // Per-message gzip costs more engine CPU than the whole state machine on
    // loopback. SDK core negotiates: if GetSystemInfo sent gzip-compressed is
    // refused as UNIMPLEMENTED naming grpc-encoding, it reconnects uncompressed.
    const enc = call?.metadata.get('x-duban-grpc-encoding')?.[0];
    if (enc && enc !== 'identity' && process.env.DUBAN_TEMPORAL_ALLOW_GZIP !== '1') {
      throw unimplemented(
        `grpc-encoding ${String(enc)} is not accepted by duban-temporal: the compressor is disabled, use identity`,
      );
    }
    return {
      serverVersion: '1.29.0-duban',
      capabilities: {
        signalAndQueryHeader: true,
        internalErrorDifferentiation: true,
        activityFailureIncludeHeartbeat: true,
        encodedFailureAttributes: true,
        upsertMemo: true,
        sdkMetadata: true,
        countGroupByExecutionStatus: true,
        // Build ids are recorded (WorkflowTaskCompleted.workerVersion, the BuildIds
        // search attribute); task routing by build id (versioning) is not.
        buildIdBasedVersioning: true,
      },
    };
  }

  private nsInfo(n: Namespace) {
    return {
      namespaceInfo: {
        name: n.name,
        state: 1,
        description: n.description,
        id: n.id,
        capabilities: { syncUpdate: true, asyncUpdate: true, eagerWorkflowStart: true },
        supportsSchedules: false,
        // SDK core enforces these on its completions (unless the worker opts out).
        limits: { blobSizeLimitError: this.limits.blobSizeError, memoSizeLimitError: this.limits.memoSizeError },
      },
      config: {
        workflowExecutionRetentionTtl: { seconds: n.retentionDays * 86400 },
        historyArchivalState: 2,
        visibilityArchivalState: 2,
      },
      isGlobalNamespace: false,
    };
  }
  DescribeNamespace(r: any) {
    const n = r.id
      ? [...this.namespaces.values()].find((x) => x.id === r.id)
      : this.namespaces.get(r.namespace || 'default');
    if (!n) throw namespaceNotFound(r.namespace || r.id);
    return this.nsInfo(n);
  }
  RegisterNamespace(r: any) {
    if (!r.namespace) throw invalid('namespace name is required');
    if (this.namespaces.has(r.namespace))
      throw new RpcError(grpc.status.ALREADY_EXISTS, `namespace ${r.namespace} already exists`);
    this.registerNs(
      r.namespace,
      r.description ?? '',
      Math.max(1, Math.round(durMs(r.workflowExecutionRetentionPeriod) / 86400000)),
    );
    return {};
  }
  ListNamespaces() {
    return { namespaces: [...this.namespaces.values()].map((n) => this.nsInfo(n)) };
  }
  GetClusterInfo() {
    return {
      clusterName: 'duban',
      serverVersion: '1.29.0-duban',
      historyShardCount: 1,
      persistenceStore: 'sqlite',
      visibilityStore: 'memory',
    };
  }
  GetSearchAttributes() {
    const keys: Record<string, number> = {};
    for (const [k, v] of this.saTypes) keys[k] = saTypeNum(v);
    return { keys };
  }

  // ---------------------------------------------------------------- RPC: start / signal

  StartWorkflowExecution(r: any) {
    const ns = r.namespace || 'default';
    this.ns(ns);
    checkIdLength(r.workflowId ?? '');
    this.checkBlob(blobSize('payloads', r.input));
    this.checkMemo(r.memo);
    const existing = this.checkStart(ns, r);
    if (existing) return { runId: existing.s.runId, started: false };
    // Eager workflow start: the first task goes back in the response (to the
    // worker sharing the caller's connection) instead of through the queue.
    const eager = !!r.requestEagerExecution && !durMs(r.workflowStartDelay);
    this.holdWft = eager;
    let e: Exec;
    try {
      e = this.startExecution(ns, r, {});
    } finally {
      this.holdWft = false;
    }
    const w = e.s.wft;
    const eagerWorkflowTask = eager && w && !w.startedId ? this.startWft(e, w, false) : undefined;
    this.flush();
    return { runId: e.s.runId, started: true, eagerWorkflowTask: eagerWorkflowTask ?? undefined };
  }

  SignalWorkflowExecution(r: any) {
    const e = this.execOf(r.workflowExecution, r.namespace);
    if (!e.running) throw notFound('workflow execution already completed');
    this.checkBlob(blobSize('payloads', r.input));
    this.signal(e, r);
    this.flush();
    return {};
  }

  private signal(e: Exec, r: any): void {
    if (r.requestId) {
      if (e.s.signalRequestIds.includes(r.requestId)) return; // client retry of a delivered signal
      e.s.signalRequestIds.push(r.requestId);
      if (e.s.signalRequestIds.length > 32) e.s.signalRequestIds.shift();
    }
    this.addExternal(e, ev('WORKFLOW_EXECUTION_SIGNALED'), {
      signalName: r.signalName,
      input: r.input,
      identity: r.identity,
      header: r.header,
    });
  }

  SignalWithStartWorkflowExecution(r: any) {
    const ns = r.namespace || 'default';
    this.ns(ns);
    checkIdLength(r.workflowId ?? '');
    this.checkBlob(blobSize('payloads', r.input) + blobSize('payloads', r.signalInput));
    this.checkMemo(r.memo);
    const curId = this.current.get(`${ns}\0${r.workflowId}`);
    const cur = curId ? this.runs.get(curId) : undefined;
    const sig = { signalName: r.signalName, input: r.signalInput, identity: r.identity, header: r.header };
    if (cur && cur.running && (r.workflowIdConflictPolicy || 2) !== 3) {
      this.signal(cur, { ...sig, input: r.signalInput, requestId: r.requestId });
      this.flush();
      return { runId: cur.s.runId, started: false };
    }
    if (cur) {
      const reuse = r.workflowIdReusePolicy || 1;
      if (cur.running) this.terminate(cur, 'terminated by signal-with-start', undefined, r.identity);
      else if (reuse === 3 || (reuse === 2 && cur.s.status === S.COMPLETED)) throw this.alreadyStarted(cur);
    }
    const e = this.startExecution(ns, r, { signal: sig });
    this.flush();
    return { runId: e.s.runId, started: true };
  }

  // ---------------------------------------------------------------- RPC: workflow tasks

  PollWorkflowTaskQueue(r: any, call: grpc.ServerUnaryCall<any, any>) {
    const ns = r.namespace || 'default';
    this.ns(ns);
    return this.matching.poll(`${ns}|w|${r.taskQueue?.name}`, {
      identity: r.identity,
      workerInstanceKey: r.workerInstanceKey,
      onCancel: (f) => call.on('cancelled', f),
      alive: () => !call.cancelled,
    });
  }

  RespondWorkflowTaskCompleted(r: any) {
    this.ns(r.namespace);
    const tok = parseToken(r.taskToken);
    if (tok.k !== 'w') throw invalid('not a workflow task token');
    const { e, w } = this.wftFromToken(tok);
    const res = this.completeWft(e, w, r);
    this.flush();
    return res;
  }

  RespondWorkflowTaskFailed(r: any) {
    this.ns(r.namespace);
    const tok = parseToken(r.taskToken);
    const { e, w } = this.wftFromToken(tok);
    this.failWft(e, w, { cause: r.cause, failure: r.failure, identity: r.identity });
    this.flush();
    return {};
  }

  private completeWft(e: Exec, w: NonNullable<ExecState['wft']>, r: any): any {
    const commands: any[] = r.commands ?? [];
    const messages: any[] = r.messages ?? [];
    const msgById = new Map<string, any>(messages.map((m) => [m.id, m]));
    this.cancelTimer(e, 'wft');

    // Speculative task that only rejected updates: leave no trace in history.
    // The worker rolls back to resetHistoryEventId; events it saw after that point
    // must be re-deliverable, which plain command events are only when the SDK says so.
    const lastIsCompleted = e.events.length === e.s.lastCompletedStartedId + 1;
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
        for (const m of messages) this.handleMessage(e, m, 0);
        this.touch(e);
        if ([...e.rt.updates.values()].some((u) => u.state === 'admitted'))
          this.scheduleWft(e, 1, { speculative: true });
        return { resetHistoryEventId: e.s.lastCompletedStartedId };
      }
    }

    const bad = this.validateCommands(e, commands);
    if (bad) {
      // Like Temporal: an invalid command fails the workflow task (recorded once,
      // then retried) instead of half-applying the completion.
      this.failWft(e, w, {
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
      this.touch(e);
    }

    const big = this.oversizedCommand(commands);
    if (big) {
      // Like Temporal: WorkflowTaskFailed with the command's cause, then the
      // workflow fails (buffered events first), and the RPC is INVALID_ARGUMENT.
      this.cancelTimer(e, 'wft');
      e.s.wft = null;
      e.s.sticky = undefined;
      const failed = this.append(e, ev('WORKFLOW_TASK_FAILED'), {
        scheduledEventId: w.scheduledId,
        startedEventId: w.startedId,
        cause: big.cause,
        failure: { message: big.message, source: 'Server' },
        identity: r.identity,
      });
      this.flushBuffered(e);
      this.closeExec(e, S.FAILED, ev('WORKFLOW_EXECUTION_FAILED'), {
        failure: { message: big.message, source: 'Server', serverFailureInfo: { nonRetryable: true } },
        retryState: 4,
        workflowTaskCompletedEventId: failed.eventId,
      });
      throw invalid(big.message);
    }

    const isClose = (c: any) => [4, 5, 7, 10].includes(c.commandType);
    if (e.s.buffered.length && commands.some(isClose)) {
      // New events arrived while the worker decided to close: Temporal rejects the
      // close with UNHANDLED_COMMAND so the workflow sees those events first.
      e.s.wft = null;
      e.s.sticky = undefined;
      this.append(e, ev('WORKFLOW_TASK_FAILED'), {
        scheduledEventId: w.scheduledId,
        startedEventId: w.startedId,
        cause: 1,
        failure: { message: 'UnhandledCommand', source: 'Server' },
        identity: r.identity,
      });
      this.flushBuffered(e);
      this.scheduleWft(e);
      // SDK core evicts the run on exactly this error, so the next task replays
      // from full history including the new events.
      throw invalid('UnhandledCommand');
    }

    const completedId = this.append(e, ev('WORKFLOW_TASK_COMPLETED'), {
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
    this.trackBuildIds(e, r, completedId);
    const st = r.stickyAttributes;
    e.s.sticky = st?.workerTaskQueue?.name
      ? { queue: st.workerTaskQueue.name, timeoutMs: durMs(st.scheduleToStartTimeout) || 10_000 }
      : undefined;

    const post = Object.assign([] as (() => void)[], { eager: [] as ActivityState[] });
    let needWft = !!r.forceCreateNewWorkflowTask;
    const handled = new Set<string>();
    for (const c of commands) {
      if (!e.running) break;
      if (c.commandType === 14) {
        const id = c.protocolMessageCommandAttributes?.messageId;
        const m = msgById.get(id);
        if (m) {
          handled.add(id);
          this.handleMessage(e, m, completedId);
        }
        continue;
      }
      const first = e.events.length;
      const res = this.applyCommand(e, c, completedId, post);
      // Summary/details of a command (activity, timer, child...) go on the event it produced.
      if (c.userMetadata && e.events.length > first) e.events[first].userMetadata = c.userMetadata;
      if (res) needWft = true;
    }
    for (const m of messages) if (!handled.has(m.id) && e.running) this.handleMessage(e, m, completedId);
    if (!e.running) return {};
    if (this.flushBuffered(e)) needWft = true;
    if ([...e.rt.updates.values()].some((u) => u.state === 'admitted')) needWft = true;
    if (needWft) this.scheduleWft(e);
    for (const p of post) p();
    const activityTasks = [];
    for (const a of post.eager) {
      if (a.s2cMs)
        this.timer(e, `act:${a.scheduledId}:s2c`, a.scheduledTime + a.s2cMs, () =>
          this.activityTimeout(e, a.scheduledId, a.attempt, 3),
        );
      const t = this.startActivity(e, a.scheduledId, 1);
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
  private trackBuildIds(e: Exec, r: any, completedId: number): void {
    const stamp = r.workerVersionStamp;
    const dep = r.deploymentOptions;
    const versioned = !!stamp?.useVersioning || dep?.workerVersioningMode === 2;
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
        { binaryChecksum: checksum, firstWorkflowTaskCompletedId: completedId, createTime: this.clock.now() },
      ];
    }
  }

  private blobTooLarge(size: number): boolean {
    return size > this.limits.blobSizeWarn && size > this.limits.blobSizeError;
  }

  /** RPC-level check (start, signal): INVALID_ARGUMENT like Temporal's frontend/history. */
  private checkBlob(size: number): void {
    if (this.blobTooLarge(size)) throw invalid('Blob data size exceeds limit.');
  }
  private checkMemo(memo: any): void {
    const size = blobSize('map', memo?.fields);
    if (size > this.limits.memoSizeWarn && size > this.limits.memoSizeError) throw invalid('Memo size exceeds limit.');
  }

  /**
   * Temporal's size-limit checks on commands: a command carrying a blob over
   * the limit fails the workflow task with the command's cause *and* fails the
   * workflow (non-retryable server failure).
   */
  private oversizedCommand(commands: any[]): { cause: number; message: string } | undefined {
    const checks: Record<number, [string, 'payloads' | 'failure' | 'map', string, number]> = {
      [cmdType('SCHEDULE_ACTIVITY_TASK')]: ['scheduleActivityTaskCommandAttributes', 'payloads', 'input', 2],
      [cmdType('COMPLETE_WORKFLOW_EXECUTION')]: ['completeWorkflowExecutionCommandAttributes', 'payloads', 'result', 7],
      [cmdType('FAIL_WORKFLOW_EXECUTION')]: ['failWorkflowExecutionCommandAttributes', 'failure', 'failure', 8],
      [cmdType('CANCEL_WORKFLOW_EXECUTION')]: ['cancelWorkflowExecutionCommandAttributes', 'payloads', 'details', 9],
      [cmdType('RECORD_MARKER')]: ['recordMarkerCommandAttributes', 'map', 'details', 6],
      [cmdType('CONTINUE_AS_NEW_WORKFLOW_EXECUTION')]: [
        'continueAsNewWorkflowExecutionCommandAttributes',
        'payloads',
        'input',
        11,
      ],
      [cmdType('START_CHILD_WORKFLOW_EXECUTION')]: [
        'startChildWorkflowExecutionCommandAttributes',
        'payloads',
        'input',
        16,
      ],
      [cmdType('SIGNAL_EXTERNAL_WORKFLOW_EXECUTION')]: [
        'signalExternalWorkflowExecutionCommandAttributes',
        'payloads',
        'input',
        19,
      ],
    };
    for (const c of commands) {
      const chk = checks[c.commandType];
      if (!chk) continue;
      const [field, kind, sub, cause] = chk;
      if (this.blobTooLarge(blobSize(kind, c[field]?.[sub]))) {
        const name = field[0].toUpperCase() + field.slice(1);
        return { cause, message: `${name}.${sub[0].toUpperCase()}${sub.slice(1)} exceeds size limit.` };
      }
    }
    return undefined;
  }

  private validateCommands(e: Exec, commands: any[]): { cause: number; message: string } | undefined {
    const actIds = new Set(Object.values(e.s.activities).map((a) => a.activityId));
    const timerIds = new Set(Object.keys(e.s.timers));
    for (const c of commands) {
      switch (c.commandType) {
        case cmdType('SCHEDULE_ACTIVITY_TASK'): {
          const x = c.scheduleActivityTaskCommandAttributes ?? {};
          if (!x.activityId || !x.activityType?.name)
            return { cause: 2, message: 'ScheduleActivityTask needs an activity id and type' };
          if (!durMs(x.scheduleToCloseTimeout) && !durMs(x.startToCloseTimeout))
            return {
              cause: 2,
              message: `activity ${x.activityId}: either ScheduleToCloseTimeout or StartToCloseTimeout is required`,
            };
          if (actIds.has(x.activityId))
            return { cause: 22, message: `activity id ${x.activityId} is already in use by an open activity` };
          actIds.add(x.activityId);
          break;
        }
        case cmdType('START_TIMER'): {
          const id = c.startTimerCommandAttributes?.timerId;
          if (!id) return { cause: 4, message: 'StartTimer needs a timer id' };
          if (timerIds.has(id)) return { cause: 12, message: `timer id ${id} is already in use` };
          timerIds.add(id);
          break;
        }
        case cmdType('START_CHILD_WORKFLOW_EXECUTION'): {
          const x = c.startChildWorkflowExecutionCommandAttributes ?? {};
          if (!x.workflowId || !x.workflowType?.name)
            return { cause: 16, message: 'StartChildWorkflowExecution needs a workflow id and type' };
          break;
        }
        case cmdType('REQUEST_CANCEL_ACTIVITY_TASK'):
        case cmdType('CANCEL_TIMER'):
        case cmdType('COMPLETE_WORKFLOW_EXECUTION'):
        case cmdType('FAIL_WORKFLOW_EXECUTION'):
        case cmdType('CANCEL_WORKFLOW_EXECUTION'):
        case cmdType('RECORD_MARKER'):
        case cmdType('UPSERT_WORKFLOW_SEARCH_ATTRIBUTES'):
        case cmdType('MODIFY_WORKFLOW_PROPERTIES'):
        case cmdType('CONTINUE_AS_NEW_WORKFLOW_EXECUTION'):
        case cmdType('SIGNAL_EXTERNAL_WORKFLOW_EXECUTION'):
        case cmdType('REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION'):
        case cmdType('PROTOCOL_MESSAGE'):
          break;
        default:
          return {
            cause: 0,
            message: `command type ${c.commandType} is not supported by duban-temporal (Nexus operations are outside its scope; see engine/README.md)`,
          };
      }
    }
    return undefined;
  }

  private handleMessage(e: Exec, m: any, completedId: number): void {
    const body = anyUnpack(m.body);
    if (!body) return;
    const u = e.rt.updates.get(m.protocolInstanceId);
    const wake = (x: Update) => {
      const ws = [...x.waiters];
      x.waiters.clear();
      for (const f of ws) f();
    };
    switch (body.typeName) {
      case 'temporal.api.update.v1.Acceptance': {
        const req = body.value.acceptedRequest ?? u?.request;
        const evt = this.append(e, ev('WORKFLOW_EXECUTION_UPDATE_ACCEPTED'), {
          protocolInstanceId: m.protocolInstanceId,
          acceptedRequestMessageId: body.value.acceptedRequestMessageId,
          acceptedRequestSequencingEventId: body.value.acceptedRequestSequencingEventId,
          acceptedRequest: req,
        });
        if (u) {
          u.state = 'accepted';
          u.acceptedEventId = evt.eventId;
          wake(u);
        }
        break;
      }
      case 'temporal.api.update.v1.Rejection': {
        if (u) {
          u.state = 'rejected';
          u.outcome = { failure: body.value.failure };
          e.rt.updates.delete(u.id);
          wake(u);
        }
        break;
      }
      case 'temporal.api.update.v1.Response': {
        const acceptedId =
          u?.acceptedEventId ??
          this.findUpdateEvent(e, m.protocolInstanceId, ev('WORKFLOW_EXECUTION_UPDATE_ACCEPTED'))?.eventId ??
          0;
        this.append(e, ev('WORKFLOW_EXECUTION_UPDATE_COMPLETED'), {
          meta: body.value.meta,
          acceptedEventId: acceptedId,
          outcome: body.value.outcome,
        });
        if (u) {
          u.state = 'completed';
          u.outcome = body.value.outcome;
          wake(u);
        }
        break;
      }
      default:
        break;
    }
    void completedId;
  }

  private findUpdateEvent(e: Exec, updateId: string, type: number): any | undefined {
    for (let i = e.events.length - 1; i >= 0; i--) {
      const x = e.events[i];
      if (x.eventType !== type) continue;
      const a = attrsOf(x);
      if (
        type === ev('WORKFLOW_EXECUTION_UPDATE_ACCEPTED')
          ? a.protocolInstanceId === updateId
          : a.meta?.updateId === updateId
      )
        return x;
    }
    return undefined;
  }

  /** Applies one command; returns true when it produced an event the workflow must see. */
  private applyCommand(
    e: Exec,
    c: any,
    completedId: number,
    post: (() => void)[] & { eager: ActivityState[] },
  ): boolean {
    const now = this.clock.now();
    switch (c.commandType) {
      case cmdType('SCHEDULE_ACTIVITY_TASK'): {
        const x = c.scheduleActivityTaskCommandAttributes ?? {};
        let s2c = durMs(x.scheduleToCloseTimeout);
        let st2c = durMs(x.startToCloseTimeout);
        if (!s2c && !st2c)
          throw invalid(`activity ${x.activityId}: either ScheduleToCloseTimeout or StartToCloseTimeout is required`);
        if (!st2c) st2c = s2c;
        if (!s2c && e.s.runTimeoutMs) s2c = 0;
        let s2s = durMs(x.scheduleToStartTimeout);
        if (!s2s) s2s = s2c;
        const retry = retryFromProto(x.retryPolicy);
        const tq = x.taskQueue?.name || e.s.taskQueue;
        const evt = this.append(e, ev('ACTIVITY_TASK_SCHEDULED'), {
          activityId: x.activityId,
          activityType: x.activityType,
          taskQueue: { name: tq, kind: 1 },
          header: x.header,
          input: x.input,
          scheduleToCloseTimeout: msDur(s2c),
          scheduleToStartTimeout: msDur(s2s),
          startToCloseTimeout: msDur(st2c),
          heartbeatTimeout: x.heartbeatTimeout,
          workflowTaskCompletedEventId: completedId,
          retryPolicy: retryToProto(retry),
          useWorkflowBuildId: x.useWorkflowBuildId,
          priority: x.priority,
        });
        const a: ActivityState = {
          scheduledId: evt.eventId,
          activityId: x.activityId,
          activityType: x.activityType?.name ?? '',
          taskQueue: tq,
          attempt: 1,
          state: 'scheduled',
          scheduledTime: now,
          attemptScheduledTime: now,
          startedTime: 0,
          retryAt: 0,
          lastHeartbeat: 0,
          cancelRequestedId: 0,
          s2cMs: s2c,
          s2sMs: s2s === s2c ? 0 : s2s,
          st2cMs: st2c,
          hbMs: durMs(x.heartbeatTimeout),
          retry,
        };
        e.s.activities[a.scheduledId] = a;
        // Eager dispatch: hand the activity back in this response when the worker
        // asks for it and polls the same queue (saves a poll round trip).
        if (x.requestEagerExecution && tq === e.s.taskQueue && post.eager.length < 3) post.eager.push(a);
        else post.push(() => this.armActivity(e, a));
        return false;
      }
      case cmdType('REQUEST_CANCEL_ACTIVITY_TASK'): {
        const sid = num(c.requestCancelActivityTaskCommandAttributes?.scheduledEventId);
        const a = e.s.activities[sid];
        const reqEvt = this.append(e, ev('ACTIVITY_TASK_CANCEL_REQUESTED'), {
          scheduledEventId: sid,
          workflowTaskCompletedEventId: completedId,
        });
        if (!a) return false;
        if (a.state !== 'started') {
          this.clearActivityTimers(e, sid);
          delete e.s.activities[sid];
          this.append(e, ev('ACTIVITY_TASK_CANCELED'), {
            scheduledEventId: sid,
            startedEventId: 0,
            latestCancelRequestedEventId: reqEvt.eventId,
          });
          return true;
        }
        a.cancelRequestedId = reqEvt.eventId;
        return false;
      }
      case cmdType('START_TIMER'): {
        const x = c.startTimerCommandAttributes ?? {};
        const ms = durMs(x.startToFireTimeout);
        const evt = this.append(e, ev('TIMER_STARTED'), {
          timerId: x.timerId,
          startToFireTimeout: x.startToFireTimeout,
          workflowTaskCompletedEventId: completedId,
        });
        e.s.timers[x.timerId] = { startedId: evt.eventId, fireAt: now + ms };
        this.timer(e, `timer:${x.timerId}`, now + ms, () => this.fireTimer(e, x.timerId));
        return false;
      }
      case cmdType('CANCEL_TIMER'): {
        const id = c.cancelTimerCommandAttributes?.timerId;
        const t = e.s.timers[id];
        if (!t) return false;
        delete e.s.timers[id];
        this.cancelTimer(e, `timer:${id}`);
        this.append(e, ev('TIMER_CANCELED'), {
          timerId: id,
          startedEventId: t.startedId,
          workflowTaskCompletedEventId: completedId,
        });
        return false;
      }
      case cmdType('COMPLETE_WORKFLOW_EXECUTION'):
        this.closeExec(e, S.COMPLETED, ev('WORKFLOW_EXECUTION_COMPLETED'), {
          result: c.completeWorkflowExecutionCommandAttributes?.result,
          workflowTaskCompletedEventId: completedId,
        });
        return false;
      case cmdType('FAIL_WORKFLOW_EXECUTION'): {
        const failure = c.failWorkflowExecutionCommandAttributes?.failure;
        const retry = this.workflowRetry(e, failure);
        if (retry.backoffMs === undefined) {
          this.closeExec(e, S.FAILED, ev('WORKFLOW_EXECUTION_FAILED'), {
            failure,
            retryState: retry.retryState,
            workflowTaskCompletedEventId: completedId,
          });
          return false;
        }
        // Retry policy on the workflow: this run fails with IN_PROGRESS and a new
        // run (attempt + 1) starts after the backoff, chained by newExecutionRunId.
        this.closeExec(e, S.FAILED, ev('WORKFLOW_EXECUTION_FAILED'), {
          failure,
          retryState: 1,
          workflowTaskCompletedEventId: completedId,
        });
        const started = attrsOf(e.events[0]);
        const n = this.startExecution(
          e.s.ns,
          {
            workflowId: e.s.workflowId,
            workflowType: { name: e.s.workflowType },
            taskQueue: { name: e.s.taskQueue },
            input: started.input,
            workflowRunTimeout: msDur(e.s.runTimeoutMs),
            workflowExecutionTimeout: msDur(e.s.execTimeoutMs),
            workflowTaskTimeout: msDur(e.s.wftTimeoutMs),
            header: started.header,
            memo: e.s.memo,
            searchAttributes: e.s.searchAttributes ? { indexedFields: e.s.searchAttributes } : undefined,
            retryPolicy: e.s.retryPolicy,
            requestId: randomUUID(),
          },
          {
            parent: e.s.parent,
            execDeadline: e.s.execDeadline || undefined,
            root: { wid: e.s.rootWorkflowId, rid: e.s.rootRunId },
            continuedFrom: e,
            firstRunId: e.s.firstRunId,
            attempt: e.s.attempt + 1,
            backoffMs: retry.backoffMs,
            continuedFailure: failure,
            initiator: 2,
          },
        );
        attrsOf(e.events[e.events.length - 1]).newExecutionRunId = n.s.runId;
        e.s.newRunId = n.s.runId;
        this.relinkChild(e, n);
        return false;
      }
      case cmdType('CANCEL_WORKFLOW_EXECUTION'):
        this.closeExec(e, S.CANCELED, ev('WORKFLOW_EXECUTION_CANCELED'), {
          details: c.cancelWorkflowExecutionCommandAttributes?.details,
          workflowTaskCompletedEventId: completedId,
        });
        return false;
      case cmdType('RECORD_MARKER'): {
        const x = c.recordMarkerCommandAttributes ?? {};
        this.append(e, ev('MARKER_RECORDED'), {
          markerName: x.markerName,
          details: x.details,
          header: x.header,
          failure: x.failure,
          workflowTaskCompletedEventId: completedId,
        });
        return false;
      }
      case cmdType('UPSERT_WORKFLOW_SEARCH_ATTRIBUTES'): {
        const sa = this.tagSa(c.upsertWorkflowSearchAttributesCommandAttributes?.searchAttributes);
        this.append(e, ev('UPSERT_WORKFLOW_SEARCH_ATTRIBUTES'), {
          searchAttributes: sa,
          workflowTaskCompletedEventId: completedId,
        });
        const cur = { ...(e.s.searchAttributes ?? {}) };
        for (const [k, v] of Object.entries<any>(sa?.indexedFields ?? {})) {
          const data = v?.data ? Buffer.from(v.data).toString() : '';
          if (!data || data === '[]' || data === 'null') delete cur[k];
          else cur[k] = v;
        }
        e.s.searchAttributes = cur;
        return false;
      }
      case cmdType('MODIFY_WORKFLOW_PROPERTIES'): {
        const memo = c.modifyWorkflowPropertiesCommandAttributes?.upsertedMemo;
        this.append(e, ev('WORKFLOW_PROPERTIES_MODIFIED'), {
          upsertedMemo: memo,
          workflowTaskCompletedEventId: completedId,
        });
        const fields = { ...(e.s.memo?.fields ?? {}) };
        for (const [k, v] of Object.entries<any>(memo?.fields ?? {})) {
          if (!v?.data || !v.data.length) delete fields[k];
          else fields[k] = v;
        }
        e.s.memo = { fields };
        return false;
      }
      case cmdType('CONTINUE_AS_NEW_WORKFLOW_EXECUTION'): {
        const x = c.continueAsNewWorkflowExecutionCommandAttributes ?? {};
        const newRun = (): Exec =>
          this.startExecution(
            e.s.ns,
            {
              workflowId: e.s.workflowId,
              workflowType: x.workflowType?.name ? x.workflowType : { name: e.s.workflowType },
              taskQueue: x.taskQueue?.name ? x.taskQueue : { name: e.s.taskQueue },
              input: x.input,
              workflowRunTimeout: x.workflowRunTimeout ?? msDur(e.s.runTimeoutMs),
              workflowExecutionTimeout: msDur(e.s.execTimeoutMs),
              workflowTaskTimeout: x.workflowTaskTimeout ?? msDur(e.s.wftTimeoutMs),
              header: x.header,
              memo: x.memo ?? e.s.memo,
              searchAttributes:
                x.searchAttributes ?? (e.s.searchAttributes ? { indexedFields: e.s.searchAttributes } : undefined),
              retryPolicy: x.retryPolicy ?? e.s.retryPolicy,
              requestId: randomUUID(),
            },
            {
              parent: e.s.parent,
              execDeadline: e.s.execDeadline || undefined,
              root: { wid: e.s.rootWorkflowId, rid: e.s.rootRunId },
              continuedFrom: e,
              firstRunId: e.s.firstRunId,
              backoffMs: durMs(x.backoffStartInterval),
              lastCompletionResult: x.lastCompletionResult,
              continuedFailure: x.failure,
              initiator: x.initiator || 1,
            },
          );
        // Close first (so the new run becomes "current"), then start it.
        const placeholder = randomUUID();
        this.closeExec(e, S.CONTINUED_AS_NEW, ev('WORKFLOW_EXECUTION_CONTINUED_AS_NEW'), {
          newExecutionRunId: placeholder,
          workflowType: x.workflowType?.name ? x.workflowType : { name: e.s.workflowType },
          taskQueue: { name: x.taskQueue?.name || e.s.taskQueue, kind: 1 },
          input: x.input,
          workflowRunTimeout: x.workflowRunTimeout,
          workflowTaskTimeout: x.workflowTaskTimeout,
          workflowTaskCompletedEventId: completedId,
          backoffStartInterval: x.backoffStartInterval,
          initiator: x.initiator || 1,
          header: x.header,
          memo: x.memo,
          searchAttributes: x.searchAttributes,
        });
        const n = newRun();
        const closeEvt = e.events[e.events.length - 1];
        attrsOf(closeEvt).newExecutionRunId = n.s.runId;
        e.s.newRunId = n.s.runId;
        this.relinkChild(e, n);
        return false;
      }
      case cmdType('START_CHILD_WORKFLOW_EXECUTION'): {
        // The child's own start carries the command's summary/details.
        const x = { ...c.startChildWorkflowExecutionCommandAttributes, userMetadata: c.userMetadata };
        const ns = x.namespace || e.s.ns;
        const evt = this.append(e, ev('START_CHILD_WORKFLOW_EXECUTION_INITIATED'), {
          namespace: ns,
          workflowId: x.workflowId,
          workflowType: x.workflowType,
          taskQueue: { name: x.taskQueue?.name || e.s.taskQueue, kind: 1 },
          input: x.input,
          workflowExecutionTimeout: x.workflowExecutionTimeout,
          workflowRunTimeout: x.workflowRunTimeout,
          workflowTaskTimeout: x.workflowTaskTimeout,
          parentClosePolicy: x.parentClosePolicy,
          control: x.control,
          workflowTaskCompletedEventId: completedId,
          workflowIdReusePolicy: x.workflowIdReusePolicy,
          retryPolicy: x.retryPolicy,
          cronSchedule: x.cronSchedule,
          header: x.header,
          memo: x.memo,
          searchAttributes: this.tagSa(x.searchAttributes),
          priority: x.priority,
        });
        const initiatedId = evt.eventId;
        post.push(() => this.startChild(e, x, ns, initiatedId, completedId));
        return false;
      }
      case cmdType('SIGNAL_EXTERNAL_WORKFLOW_EXECUTION'): {
        const x = c.signalExternalWorkflowExecutionCommandAttributes ?? {};
        const ns = x.namespace || e.s.ns;
        const evt = this.append(e, ev('SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED'), {
          namespace: ns,
          workflowExecution: x.execution,
          signalName: x.signalName,
          input: x.input,
          control: x.control,
          childWorkflowOnly: x.childWorkflowOnly,
          header: x.header,
          workflowTaskCompletedEventId: completedId,
        });
        const initiatedId = evt.eventId;
        post.push(() => {
          let target: Exec | undefined;
          try {
            target = this.exec(ns, x.execution?.workflowId, x.execution?.runId || undefined);
          } catch {
            target = undefined;
          }
          if (target && target.running) {
            this.signal(target, {
              signalName: x.signalName,
              input: x.input,
              identity: `workflow:${e.s.workflowId}`,
              header: x.header,
            });
            this.addExternal(e, ev('EXTERNAL_WORKFLOW_EXECUTION_SIGNALED'), {
              initiatedEventId: initiatedId,
              namespace: ns,
              workflowExecution: { workflowId: target.s.workflowId, runId: target.s.runId },
              control: x.control,
            });
          } else {
            this.addExternal(e, ev('SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED'), {
              cause: 1,
              initiatedEventId: initiatedId,
              namespace: ns,
              workflowExecution: x.execution,
              control: x.control,
              workflowTaskCompletedEventId: completedId,
            });
          }
        });
        return false;
      }
      case cmdType('REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION'): {
        const x = c.requestCancelExternalWorkflowExecutionCommandAttributes ?? {};
        const ns = x.namespace || e.s.ns;
        const execution = { workflowId: x.workflowId, runId: x.runId };
        const evt = this.append(e, ev('REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED'), {
          namespace: ns,
          workflowExecution: execution,
          control: x.control,
          childWorkflowOnly: x.childWorkflowOnly,
          reason: x.reason,
          workflowTaskCompletedEventId: completedId,
        });
        const initiatedId = evt.eventId;
        post.push(() => {
          let target: Exec | undefined;
          try {
            target = this.exec(ns, x.workflowId, x.runId || undefined);
          } catch {
            target = undefined;
          }
          if (target && target.running) {
            this.requestCancel(target, x.reason || 'cancel requested by workflow', `workflow:${e.s.workflowId}`, {
              initiatedId,
              execution: { workflowId: e.s.workflowId, runId: e.s.runId },
            });
            this.addExternal(e, ev('EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED'), {
              initiatedEventId: initiatedId,
              namespace: ns,
              workflowExecution: { workflowId: target.s.workflowId, runId: target.s.runId },
            });
          } else {
            this.addExternal(e, ev('REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED'), {
              cause: 1,
              initiatedEventId: initiatedId,
              namespace: ns,
              workflowExecution: execution,
              control: x.control,
              workflowTaskCompletedEventId: completedId,
            });
          }
        });
        return false;
      }
      default:
        throw unimplemented(
          `command type ${c.commandType} is not supported by duban-temporal (Nexus operations are outside its scope; see engine/README.md)`,
        );
    }
  }

  /** A child that continued as new / retried keeps reporting to its parent through the new run. */
  private relinkChild(old: Exec, n: Exec): void {
    if (!old.s.parent) return;
    const parent = this.runs.get(old.s.parent.runId);
    const ch = parent?.s.children[old.s.parent.initiatedId];
    if (ch) {
      ch.runId = n.s.runId;
      this.touch(parent!);
    }
  }

  /** Workflow retry decision (Temporal: only when the start request had a retry policy). */
  private workflowRetry(e: Exec, failure: any): { backoffMs?: number; retryState: number } {
    if (!e.s.retryPolicy) return { retryState: 5 };
    const d = nextRetry(retryFromProto(e.s.retryPolicy), e.s.attempt, failure, this.clock.now(), e.s.execDeadline);
    return 'backoffMs' in d ? { backoffMs: d.backoffMs, retryState: 1 } : { retryState: d.retryState };
  }

  private startChild(parent: Exec, x: any, ns: string, initiatedId: number, completedId: number): void {
    if (!parent.running) return;
    const base = { namespace: ns, initiatedEventId: initiatedId, workflowType: x.workflowType };
    let child: Exec;
    try {
      this.ns(ns);
      if (this.checkStart(ns, { ...x, workflowIdConflictPolicy: 1 })) throw new Error('exists');
      child = this.startExecution(
        ns,
        { ...x, requestId: randomUUID(), identity: `workflow:${parent.s.workflowId}` },
        {
          parent: { ns: parent.s.ns, workflowId: parent.s.workflowId, runId: parent.s.runId, initiatedId },
          root: { wid: parent.s.rootWorkflowId, rid: parent.s.rootRunId },
        },
      );
    } catch {
      this.addExternal(parent, ev('START_CHILD_WORKFLOW_EXECUTION_FAILED'), {
        ...base,
        workflowId: x.workflowId,
        cause: 1,
        control: x.control,
        workflowTaskCompletedEventId: completedId,
      });
      return;
    }
    parent.s.children[initiatedId] = {
      initiatedId,
      startedId: 0,
      ns,
      workflowId: child.s.workflowId,
      runId: child.s.runId,
      workflowType: child.s.workflowType,
      parentClosePolicy: x.parentClosePolicy || 1,
    };
    this.addExternal(parent, ev('CHILD_WORKFLOW_EXECUTION_STARTED'), {
      ...base,
      workflowExecution: { workflowId: child.s.workflowId, runId: child.s.runId },
      header: x.header,
    });
    this.touch(parent);
  }

  // ---------------------------------------------------------------- RPC: activities

  PollActivityTaskQueue(r: any, call: grpc.ServerUnaryCall<any, any>) {
    const ns = r.namespace || 'default';
    this.ns(ns);
    return this.matching.poll(`${ns}|a|${r.taskQueue?.name}`, {
      identity: r.identity,
      workerInstanceKey: r.workerInstanceKey,
      onCancel: (f) => call.on('cancelled', f),
      alive: () => !call.cancelled,
    });
  }

  private actDone(kind: 'completed' | 'failed' | 'canceled', e: Exec, a: ActivityState, r: any): void {
    a.identity = r.identity || a.identity;
    // Like Temporal's frontend: an oversized result or failure becomes a
    // non-retryable server failure of the activity.
    const tooBig = (message: string) => ({ message, source: 'Server', serverFailureInfo: { nonRetryable: true } });
    if (kind === 'completed' && this.blobTooLarge(blobSize('payloads', r.result))) {
      kind = 'failed';
      r = { ...r, failure: tooBig('Complete result exceeds size limit.') };
    } else if (kind === 'failed' && this.blobTooLarge(blobSize('failure', r.failure))) {
      r = { ...r, failure: tooBig('Failure exceeds size limit.') };
    }
    if (kind === 'completed')
      this.closeActivity(e, a, ev('ACTIVITY_TASK_COMPLETED'), { result: r.result, identity: r.identity });
    else if (kind === 'failed') this.activityFailed(e, a, r.failure, r.identity, r.lastHeartbeatDetails);
    else
      this.closeActivity(e, a, ev('ACTIVITY_TASK_CANCELED'), {
        details: r.details,
        latestCancelRequestedEventId: a.cancelRequestedId,
        identity: r.identity,
      });
    this.flush();
  }
  RespondActivityTaskCompleted(r: any) {
    this.ns(r.namespace);
    const { e, a } = this.activityFromToken(parseToken(r.taskToken));
    this.actDone('completed', e, a, r);
    return {};
  }
  RespondActivityTaskFailed(r: any) {
    this.ns(r.namespace);
    const { e, a } = this.activityFromToken(parseToken(r.taskToken));
    this.actDone('failed', e, a, r);
    return {};
  }
  RespondActivityTaskCanceled(r: any) {
    this.ns(r.namespace);
    const { e, a } = this.activityFromToken(parseToken(r.taskToken));
    this.actDone('canceled', e, a, r);
    return {};
  }
  RespondActivityTaskCompletedById(r: any) {
    const { e, a } = this.activityById(r);
    this.actDone('completed', e, a, r);
    return {};
  }
  RespondActivityTaskFailedById(r: any) {
    const { e, a } = this.activityById(r);
    this.actDone('failed', e, a, r);
    return {};
  }
  RespondActivityTaskCanceledById(r: any) {
    const { e, a } = this.activityById(r);
    this.actDone('canceled', e, a, r);
    return {};
  }
  private heartbeat(e: Exec, a: ActivityState, r: any) {
    a.heartbeatDetails = r.details ?? a.heartbeatDetails;
    a.lastHeartbeat = this.clock.now();
    if (a.hbMs) {
      const sid = a.scheduledId;
      const attempt = a.attempt;
      this.timer(e, `act:${sid}:hb`, a.lastHeartbeat + a.hbMs, () => this.activityTimeout(e, sid, attempt, 4));
    }
    this.touch(e);
    this.flush();
    return { cancelRequested: a.cancelRequestedId > 0, activityPaused: !!a.paused, activityReset: !!a.reset };
  }
  RecordActivityTaskHeartbeat(r: any) {
    this.ns(r.namespace);
    const { e, a } = this.activityFromToken(parseToken(r.taskToken));
    return this.heartbeat(e, a, r);
  }
  RecordActivityTaskHeartbeatById(r: any) {
    const { e, a } = this.activityById(r);
    return this.heartbeat(e, a, r);
  }

  // ---------------------------------------------------------------- RPC: activity pause / unpause / reset
  //
  // Like Temporal: a pause or reset of a *running* attempt only flags it (the
  // worker learns it from its next heartbeat response: activityPaused /
  // activityReset, and cancels the attempt); a paused activity gets no new
  // attempt until it is unpaused; a reset makes the attempt count start again
  // from 1 (for a running attempt, from its end on).

  /** The activities a Pause/Unpause/ResetActivity request names (by id, by type, or all). */
  private targetActivities(r: any, all: boolean): { e: Exec; list: ActivityState[] } {
    const e = this.execOf(r.execution, r.namespace);
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
  private pendAttempt(e: Exec, a: ActivityState, next: number, delayMs: number): void {
    this.cancelTimer(e, `act:${a.scheduledId}:s2s`);
    this.cancelTimer(e, `act:${a.scheduledId}:retry`);
    a.state = 'backoff';
    a.attempt = next - 1;
    a.retryAt = this.clock.now() + delayMs;
    if (!a.paused) this.armRetry(e, a);
  }

  private nextAttempt(a: ActivityState): number {
    return a.state === 'backoff' ? a.attempt + 1 : a.attempt;
  }

  PauseActivity(r: any) {
    const { e, list } = this.targetActivities(r, false);
    for (const a of list) {
      if (a.paused) {
        if (r.id && !(r.requestId && a.paused.requestId === r.requestId))
          throw new RpcError(grpc.status.FAILED_PRECONDITION, 'activity is already paused');
        continue;
      }
      a.paused = { time: this.clock.now(), identity: r.identity, reason: r.reason, requestId: r.requestId };
      // A pending attempt is held back; a running one is told by its next heartbeat.
      if (a.state !== 'started') this.pendAttempt(e, a, this.nextAttempt(a), 0);
    }
    this.touch(e);
    this.flush();
    return {};
  }

  UnpauseActivity(r: any) {
    const { e, list } = this.targetActivities(r, !!r.unpauseAll);
    const jitter = durMs(r.jitter);
    for (const a of list) {
      if (!a.paused) {
        if (r.id) throw new RpcError(grpc.status.FAILED_PRECONDITION, 'activity is not paused');
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
        this.pendAttempt(
          e,
          a,
          r.resetAttempts ? 1 : this.nextAttempt(a),
          jitter ? Math.floor(Math.random() * jitter) : 0,
        );
      }
    }
    this.touch(e);
    this.flush();
    return {};
  }

  ResetActivity(r: any) {
    const { e, list } = this.targetActivities(r, !!r.matchAll);
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
      this.pendAttempt(e, a, 1, jitter ? Math.floor(Math.random() * jitter) : 0);
    }
    this.touch(e);
    this.flush();
    return {};
  }

  // ---------------------------------------------------------------- RPC: cancel / terminate

  RequestCancelWorkflowExecution(r: any) {
    const e = this.execOf(r.workflowExecution, r.namespace);
    if (r.firstExecutionRunId && e.s.firstRunId !== r.firstExecutionRunId)
      throw notFound('workflow execution not found for firstExecutionRunId');
    if (!e.running) throw notFound('workflow execution already completed');
    this.requestCancel(e, r.reason || '', r.identity);
    this.flush();
    return {};
  }

  TerminateWorkflowExecution(r: any) {
    const e = this.execOf(r.workflowExecution, r.namespace);
    if (r.firstExecutionRunId && e.s.firstRunId !== r.firstExecutionRunId)
      throw notFound('workflow execution not found for firstExecutionRunId');
    if (!e.running) throw notFound('workflow execution already completed');
    this.terminate(e, r.reason || '', r.details, r.identity);
    this.flush();
    return {};
  }

  ShutdownWorker(r: any) {
    const ns = r.namespace || 'default';
    const key = r.workerInstanceKey || r.workerHeartbeat?.workerInstanceKey;
    if (r.stickyTaskQueue) {
      // The sticky cache is gone: move affected executions back to the normal queue.
      for (const e of this.runs.values()) {
        if (e.running && e.s.sticky?.queue === r.stickyTaskQueue) {
          e.s.sticky = undefined;
          const w = e.s.wft;
          if (w && !w.startedId)
            this.matching.add(`${ns}|w|${e.s.taskQueue}`, { start: () => this.startWft(e, w, false) });
        }
      }
    }
    this.matching.completePolls(
      (k, p) => (!!key && p.workerInstanceKey === key) || (!!r.stickyTaskQueue && k === `${ns}|w|${r.stickyTaskQueue}`),
    );
    return {};
  }

  ResetStickyTaskQueue(r: any) {
    const e = this.execOf(r.execution, r.namespace);
    e.s.sticky = undefined;
    return {};
  }

  // ---------------------------------------------------------------- RPC: history

  async GetWorkflowExecutionHistory(r: any, call: grpc.ServerUnaryCall<any, any>) {
    const e = this.execOf(r.execution, r.namespace);
    const closeOnly = r.historyEventFilterType === 2;
    const pageSize = r.maximumPageSize > 0 ? r.maximumPageSize : 1000;
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
      } else if (e.events.length >= from && (!r.waitNewEvent || e.events.length >= from)) {
        const events = e.events.slice(from - 1, from - 1 + pageSize);
        const next = from + events.length;
        const more = next <= e.events.length || (r.waitNewEvent && e.running);
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

  GetWorkflowExecutionHistoryReverse(r: any) {
    const e = this.execOf(r.execution, r.namespace);
    const pageSize = r.maximumPageSize > 0 ? r.maximumPageSize : 1000;
    let end = e.events.length;
    if (r.nextPageToken?.length) end = parseToken(r.nextPageToken).n;
    const start = Math.max(0, end - pageSize);
    const events = e.events.slice(start, end).reverse();
    return { history: { events }, nextPageToken: start > 0 ? token({ n: start }) : undefined };
  }

  // ---------------------------------------------------------------- RPC: describe / visibility

  execInfo(e: Exec): any {
    const s = e.s;
    return {
      execution: { workflowId: s.workflowId, runId: s.runId },
      type: { name: s.workflowType },
      startTime: ts(s.startTime),
      closeTime: s.closeTime ? ts(s.closeTime) : undefined,
      status: s.status,
      historyLength: e.events.length,
      parentNamespaceId: s.parent ? this.namespaces.get(s.parent.ns)?.id : undefined,
      parentExecution: s.parent ? { workflowId: s.parent.workflowId, runId: s.parent.runId } : undefined,
      executionTime: ts(s.executionTime),
      memo: s.memo ?? { fields: {} },
      searchAttributes: { indexedFields: s.searchAttributes ?? {} },
      taskQueue: s.taskQueue,
      stateTransitionCount: e.events.length,
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

  DescribeWorkflowExecution(r: any) {
    const e = this.execOf(r.execution, r.namespace);
    const s = e.s;
    return {
      executionConfig: {
        taskQueue: { name: s.taskQueue, kind: 1 },
        workflowExecutionTimeout: msDur(s.execTimeoutMs),
        workflowRunTimeout: msDur(s.runTimeoutMs),
        defaultWorkflowTaskTimeout: msDur(s.wftTimeoutMs),
        userMetadata: s.userMetadata,
      },
      workflowExecutionInfo: this.execInfo(e),
      pendingActivities: Object.values(s.activities).map((a) => ({
        activityId: a.activityId,
        activityType: { name: a.activityType },
        state: a.cancelRequestedId ? 3 : a.paused ? (a.state === 'started' ? 5 : 4) : a.state === 'started' ? 2 : 1,
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
            state: s.wft.startedId ? 2 : 1,
            scheduledTime: ts(s.wft.scheduledTime),
            originalScheduledTime: ts(s.wft.scheduledTime),
            startedTime: s.wft.startedId ? ts(s.wft.startedTime) : undefined,
            attempt: s.wft.attempt,
          }
        : s.wftRetry
          ? {
              state: 1,
              scheduledTime: ts(s.wftRetry.at),
              originalScheduledTime: ts(s.wftRetry.at),
              attempt: s.wftRetry.attempt,
            }
          : undefined,
    };
  }

  private listMatching(ns: string, query: string): Exec[] {
    this.ns(ns);
    const pred = compileQuery(query ?? '', this.saTypes);
    const out: Exec[] = [];
    for (const e of this.runs.values()) if (e.s.ns === (ns || 'default') && pred(e)) out.push(e);
    const byStart = (a: Exec, b: Exec) => b.s.startTime - a.s.startTime || (a.s.runId < b.s.runId ? -1 : 1);
    out.sort(pred.order ? (a, b) => pred.order!(a, b) || byStart(a, b) : byStart);
    return out;
  }

  ListWorkflowExecutions(r: any) {
    const all = this.listMatching(r.namespace, r.query);
    const size = r.pageSize > 0 ? r.pageSize : 1000;
    const from = r.nextPageToken?.length ? parseToken(r.nextPageToken).o : 0;
    const page = all.slice(from, from + size);
    return {
      executions: page.map((e) => this.execInfo(e)),
      nextPageToken: from + size < all.length ? token({ o: from + size }) : undefined,
    };
  }
  ScanWorkflowExecutions(r: any) {
    return this.ListWorkflowExecutions(r);
  }
  CountWorkflowExecutions(r: any) {
    // Like Temporal: `GROUP BY ExecutionStatus` (the only grouping it allows),
    // one group per status present, in status order.
    const m = /^(.*?)\s*\bGROUP\s+BY\s+(\w+)\s*$/is.exec(r.query ?? '');
    if (!m) return { count: this.listMatching(r.namespace, r.query).length };
    if (m[2] !== 'ExecutionStatus')
      throw invalid(`visibility query: 'GROUP BY' clause is only supported for ExecutionStatus`);
    const all = this.listMatching(r.namespace, m[1]);
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

  DescribeTaskQueue(r: any) {
    const ns = r.namespace || 'default';
    const kind = r.taskQueueType === 2 ? 'a' : 'w';
    const info = this.matching.pollerInfo(`${ns}|${kind}|${r.taskQueue?.name}`);
    return {
      pollers: info
        ? [{ lastAccessTime: ts(info.lastAccessTime), identity: info.identity, ratePerSecond: 100000 }]
        : [],
    };
  }

  // ---------------------------------------------------------------- RPC: queries

  QueryWorkflow(r: any) {
    const e = this.execOf(r.execution, r.namespace);
    const rc = r.queryRejectCondition || 0;
    if ((rc === 2 && !e.running) || (rc === 3 && e.s.status !== S.COMPLETED && !e.running)) {
      return { queryRejected: { status: e.s.status } };
    }
    const qid = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.queries.delete(qid);
        reject(
          new RpcError(
            grpc.status.DEADLINE_EXCEEDED,
            'query timed out: no worker answered (is a worker polling the task queue?)',
          ),
        );
      }, QUERY_TIMEOUT);
      this.queries.set(qid, { resolve, reject, timer, exec: e, req: r });
      // Legacy query task on the normal queue with full history: correct whether or
      // not the worker still has the run cached, and after the workflow closed.
      // Like Temporal, a query waits for an outstanding workflow task so it sees
      // every event accepted before it (signals sent before the query).
      const dispatch = () =>
        this.matching.add(`${e.s.ns}|w|${e.s.taskQueue}`, {
          start: () => {
            if (!this.queries.has(qid)) return null;
            return {
              taskToken: token({ k: 'q', q: qid }),
              workflowExecution: { workflowId: e.s.workflowId, runId: e.s.runId },
              workflowType: { name: e.s.workflowType },
              history: { events: e.events.slice() },
              query: r.query,
              workflowExecutionTaskQueue: { name: e.s.taskQueue, kind: 1 },
              previousStartedEventId: e.s.lastCompletedStartedId,
              startedEventId: e.s.lastCompletedStartedId,
            };
          },
        });
      if (e.running && e.s.wft) e.rt.pendingQueries.push(dispatch);
      else dispatch();
    });
  }

  RespondQueryTaskCompleted(r: any) {
    const tok = parseToken(r.taskToken);
    const q = this.queries.get(tok.q);
    if (!q) throw notFound('query not found or already timed out');
    this.queries.delete(tok.q);
    clearTimeout(q.timer);
    if (r.completedType === 1) q.resolve({ queryResult: r.queryResult });
    else
      q.reject(
        new RpcError(grpc.status.INVALID_ARGUMENT, r.errorMessage || r.failure?.message || 'query failed', {
          typeName: 'temporal.api.errordetails.v1.QueryFailedFailure',
          value: { failure: r.failure },
        }),
      );
    this.clock.requestSkipCheck();
    return {};
  }

  // ---------------------------------------------------------------- RPC: updates

  async UpdateWorkflowExecution(r: any, call: grpc.ServerUnaryCall<any, any>) {
    const e = this.execOf(r.workflowExecution, r.namespace);
    if (r.firstExecutionRunId && e.s.firstRunId !== r.firstExecutionRunId)
      throw notFound('workflow execution not found for firstExecutionRunId');
    const id: string = r.request?.meta?.updateId || randomUUID();
    let u = this.lookupUpdate(e, id);
    if (!u) {
      if (!e.running) throw notFound('workflow execution already completed');
      let inFlight = 0;
      for (const x of e.rt.updates.values()) if (x.state === 'admitted' || x.state === 'accepted') inFlight++;
      if (inFlight >= MAX_IN_FLIGHT_UPDATES)
        throw new RpcError(
          grpc.status.RESOURCE_EXHAUSTED,
          `limit on number of concurrent in-flight updates has been reached (${MAX_IN_FLIGHT_UPDATES})`,
        );
      if (this.updateCount(e) >= MAX_TOTAL_UPDATES)
        throw new RpcError(
          grpc.status.RESOURCE_EXHAUSTED,
          `limit on number of total updates has been reached (${MAX_TOTAL_UPDATES})`,
        );
      u = {
        id,
        request: { ...r.request, meta: { ...r.request?.meta, updateId: id } },
        state: 'admitted',
        waiters: new Set(),
      };
      e.rt.updates.set(id, u);
      if (e.s.firstWftAt > 0) {
        // Like Temporal: an update ends the start delay, the first task goes out now.
        this.cancelTimer(e, 'firstwft');
        this.firstWft(e);
      } else if (!e.s.wft) this.scheduleWft(e, 1, { speculative: true });
      this.flush();
    }
    return this.waitUpdate(e, u, r.waitPolicy?.lifecycleStage || 2, call);
  }

  async PollWorkflowExecutionUpdate(r: any, call: grpc.ServerUnaryCall<any, any>) {
    const ref = r.updateRef ?? {};
    const e = this.execOf(ref.workflowExecution, r.namespace);
    const u = this.lookupUpdate(e, ref.updateId);
    if (!u) throw notFound(`update ${ref.updateId} not found`);
    // No wait policy: report the stage reached now (Temporal answers at once).
    return this.waitUpdate(e, u, r.waitPolicy?.lifecycleStage || 1, call);
  }

  /** Updates this run has admitted so far (history and in memory), for the total limit. */
  private updateCount(e: Exec): number {
    let n = 0;
    for (const x of e.events) if (x.eventType === ev('WORKFLOW_EXECUTION_UPDATE_ACCEPTED')) n++;
    for (const x of e.rt.updates.values()) if (x.state === 'admitted') n++;
    return n;
  }

  /** In-memory update record, or one rebuilt from history (accepted/completed events). */
  private lookupUpdate(e: Exec, id: string): Update | undefined {
    const u = e.rt.updates.get(id);
    if (u) return u;
    const acc = this.findUpdateEvent(e, id, ev('WORKFLOW_EXECUTION_UPDATE_ACCEPTED'));
    if (!acc) return undefined;
    const done = this.findUpdateEvent(e, id, ev('WORKFLOW_EXECUTION_UPDATE_COMPLETED'));
    const rebuilt: Update = {
      id,
      request: attrsOf(acc).acceptedRequest,
      state: done || !e.running ? 'completed' : 'accepted',
      outcome: done ? attrsOf(done).outcome : e.running ? undefined : UPDATE_ABORTED_BY_CLOSE,
      acceptedEventId: acc.eventId,
      waiters: new Set(),
    };
    e.rt.updates.set(id, rebuilt);
    return rebuilt;
  }

  private async waitUpdate(e: Exec, u: Update, stage: number, call: grpc.ServerUnaryCall<any, any>) {
    const reached = () => {
      if (u.state === 'completed' || u.state === 'rejected') return 3;
      if (u.state === 'accepted') return 2;
      return 1;
    };
    const deadline = Date.now() + UPDATE_WAIT;
    let wake: (() => void) | undefined;
    call.once('cancelled', () => wake?.());
    while (reached() < stage && e.running && !call.cancelled && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, deadline - Date.now());
        function done() {
          clearTimeout(t);
          u.waiters.delete(done);
          resolve();
        }
        u.waiters.add(done);
        wake = done;
      });
    }
    const st = reached();
    if (st < stage && !e.running) {
      if (st === 1) e.rt.updates.delete(u.id);
      throw notFound('workflow execution already completed');
    }
    return {
      updateRef: { workflowExecution: { workflowId: e.s.workflowId, runId: e.s.runId }, updateId: u.id },
      outcome: st === 3 ? u.outcome : undefined,
      stage: st,
    };
  }

  /** Update-with-start: the only multi-operation Temporal defines today. */
  async ExecuteMultiOperation(r: any, call: grpc.ServerUnaryCall<any, any>) {
    const ops = r.operations ?? [];
    if (ops.length !== 2 || !ops[0]?.startWorkflow || !ops[1]?.updateWorkflow)
      throw invalid('ExecuteMultiOperation supports exactly [startWorkflow, updateWorkflow] (update-with-start)');
    const ns = r.namespace || 'default';
    const start = { ...ops[0].startWorkflow, namespace: ns };
    if ((start.workflowIdConflictPolicy || 0) === 0)
      throw invalid('update-with-start requires a workflow id conflict policy');
    // Like Temporal, a failing operation is reported in a MultiOperationExecutionFailure
    // (the other one "aborted"); the status code is the failing operation's.
    const fail = (err: unknown, index: number): never => {
      if (!(err instanceof RpcError)) throw err;
      const own = {
        code: err.code,
        message: err.message,
        details: err.detail ? [anyPack(err.detail.typeName, err.detail.value)] : [],
      };
      const aborted = {
        code: grpc.status.ABORTED,
        message: 'Operation was aborted.',
        details: [anyPack('temporal.api.failure.v1.MultiOperationExecutionAborted', {})],
      };
      throw new RpcError(err.code, `Update-with-Start could not be executed: ${err.message}`, {
        typeName: 'temporal.api.errordetails.v1.MultiOperationExecutionFailure',
        value: { statuses: index === 0 ? [own, aborted] : [aborted, own] },
      });
    };
    let startResp;
    try {
      startResp = this.StartWorkflowExecution(start);
    } catch (err) {
      fail(err, 0);
    }
    const upd = {
      ...ops[1].updateWorkflow,
      namespace: ns,
      workflowExecution: { workflowId: start.workflowId, runId: startResp!.runId },
    };
    let updResp;
    try {
      updResp = await this.UpdateWorkflowExecution(upd, call);
    } catch (err) {
      fail(err, 1);
    }
    return { responses: [{ startWorkflow: startResp }, { updateWorkflow: updResp }] };
  }

  // ---------------------------------------------------------------- misc

  DeleteWorkflowExecution(r: any) {
    const e = this.execOf(r.workflowExecution, r.namespace);
    if (e.running) this.terminate(e, 'deleted', undefined, 'duban-temporal');
    this.flush();
    return {};
  }

  /** Number of open executions (benchmarks / diagnostics). */
  openCount(): number {
    let n = 0;
    for (const e of this.runs.values()) if (e.running) n++;
    return n;
  }
}

function dur0(ms: number) {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

export function saTypeNum(t: string): number {
  const m: Record<string, number> = { Text: 1, Keyword: 2, Int: 3, Double: 4, Bool: 5, Datetime: 6, KeywordList: 7 };
  return m[t] ?? 2;
}
