// Durability: loading the store (re-arming open executions) and the group commit before every answer.
import { Exec, type ExecState } from './history.js';
import { encode, T } from './proto.js';
import type { Engine } from './engine.js';
import { armActivity } from './activityTask.js';
import { fireTimer } from './commands.js';
import { runTimeout } from './lifecycle.js';
import { armWftRetry, enqueueWft, firstWft, scheduleWft, wftTimeout } from './workflowTask.js';

export function load(eng: Engine): void {
  const stored = eng.store.loadExecutions();
  for (const st of stored) {
    const e = new Exec({ ...(st.state as ExecState), buffered: st.buffered });
    e.bufferedPersisted = st.buffered.length;
    e.historyInStore(st.eventCount, st.historyBytes);
    eng.histories.adopt(e);
    e.s.sticky = undefined; // worker caches may be gone: always resend full history after a restart
    eng.runs.set(e.s.runId, e);
    const key = `${e.s.ns}\0${e.s.workflowId}`;
    const cur = eng.current.get(key);
    if (!cur || eng.runs.get(cur)!.s.startTime <= e.s.startTime) eng.current.set(key, e.s.runId);
  }
  for (const e of eng.runs.values()) if (e.running) rearm(eng, e);
}

/** Rebuilds dispatch and timers for an open execution after a restart. */
export function rearm(eng: Engine, e: Exec): void {
  const s = e.s;
  const w = s.wft;
  if (w && w.transient) {
    // A transient or speculative task lives only in memory: its Scheduled/Started
    // events were never written. Like Temporal after a shard move, it is gone; a
    // fresh one is scheduled, and a stale completion of the old one is refused
    // (the task token carries the attempt's request id).
    s.wft = null;
    scheduleWft(eng, e, w.attempt, { transient: w.attempt > 1 });
    return;
  }
  if (w) {
    if (w.startedId) {
      // Started before the crash: the worker may still complete it; otherwise it times out.
      eng.timer(e, 'wft', w.startedTime + w.timeoutMs, () => wftTimeout(eng, e, w.scheduledId, w.attempt));
    } else if (s.firstWftAt > 0) {
      eng.timer(e, 'firstwft', s.firstWftAt, () => firstWft(eng, e));
    } else {
      enqueueWft(eng, e);
    }
  }
  if (!w && s.wftRetry) armWftRetry(eng, e);
  if (!w && s.firstWftAt > 0) eng.timer(e, 'firstwft', s.firstWftAt, () => firstWft(eng, e));
  for (const a of Object.values(s.activities)) armActivity(eng, e, a);
  for (const [id, t] of Object.entries(s.timers)) eng.timer(e, `timer:${id}`, t.fireAt, () => fireTimer(eng, e, id));
  if (s.runDeadline) eng.timer(e, 'run', s.runDeadline, () => runTimeout(eng, e));
}

/**
 * Group commit: mutations mark executions dirty and schedule one SQLite
 * transaction for everything changed in the current event-loop turn. RPC
 * answers (including poll responses carrying a just-started task) wait for
 * `committed()`, so nothing leaves the engine before it is durable, while
 * concurrent RPCs share a transaction instead of paying one each.
 */
export function scheduleCommit(eng: Engine): void {
  if (!eng.dirty.size || eng.commitScheduled) return;
  eng.commitScheduled = true;
  setImmediate(() => commitNow(eng));
}

/** Resolves once every change made so far is in the store. */
export function committed(eng: Engine): Promise<void> {
  if (!eng.dirty.size && !eng.commitScheduled) return Promise.resolve();
  scheduleCommit(eng);
  return new Promise((resolve) => eng.commitWaiters.push(resolve));
}

export function commitNow(eng: Engine): void {
  eng.commitScheduled = false;
  const waiters = eng.commitWaiters;
  eng.commitWaiters = [];
  try {
    writeDirty(eng);
  } finally {
    for (const w of waiters) w();
  }
}

export function writeDirty(eng: Engine): void {
  if (!eng.dirty.size) return;
  const rows = [];
  for (const e of eng.dirty) {
    if (e.rt.pendingQueries.length && (!e.s.wft || !e.running)) {
      const qs = e.rt.pendingQueries;
      e.rt.pendingQueries = [];
      for (const q of qs) q();
    }
    const newEvents = [];
    const n = e.historyLength; // an unloaded history has nothing unwritten
    for (let i = e.persisted; i < n; i++) {
      const data = encode(T.HistoryEvent(), e.events[i]);
      e.historyBytes += data.length;
      newEvents.push({ id: i + 1, data });
    }
    e.persisted = n;
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
  eng.dirty.clear();
  eng.store.commit(rows);
  eng.histories.trim();
  eng.clock.requestSkipCheck();
}
