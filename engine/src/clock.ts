// Clock and timer queue. One min-heap of deadlines drives every durable timer
// (user timers, activity/workflow-task timeouts, retry backoffs, run timeouts)
// with a single setTimeout, so 10k open workflows cost 10k heap entries, not
// 10k Node timers. In time-skipping mode the clock is virtual: now() is real
// time plus an offset, and when skipping is unlocked and the engine reports no
// outstanding work, the offset jumps straight to the next deadline.

export interface TimerHandle {
  at: number;
  cancelled: boolean;
  fn: () => void;
  seq: number;
}

export class Clock {
  private offset = 0;
  private heap: TimerHandle[] = [];
  private seq = 0;
  private nodeTimer: NodeJS.Timeout | undefined;
  private nodeTimerAt = Infinity;
  private skipCheckQueued = false;
  private stopped = false;
  /** Lock count for time skipping; the test server starts locked (like Java's). */
  lockCount = 1;
  /**
   * In-flight UnlockTimeSkippingWithSleep calls. Like the Java test server, each
   * one releases one hold on the clock while it sleeps: first a lock, then a
   * running activity (an activity that calls `env.sleep()` lets time move).
   */
  sleepers = 0;
  /**
   * Set by the engine: true when no workflow task, query or unstarted activity
   * is outstanding and at most `credit` activities are running.
   */
  isIdle: (credit: number) => boolean = () => false;

  constructor(readonly timeSkipping: boolean) {}

  now(): number {
    return Date.now() + this.offset;
  }

  /**
   * Test-server only (`--initial-time`): start the virtual clock at `ms`, so a
   * test can run a past or future year (e.g. the 2026 holiday calendar) in skipped time.
   */
  startAt(ms: number): void {
    if (!this.timeSkipping) throw new Error('--initial-time is only for the time-skipping test server');
    this.offset = ms - Date.now();
  }

  schedule(at: number, fn: () => void): TimerHandle {
    const h: TimerHandle = { at, fn, cancelled: false, seq: this.seq++ };
    this.push(h);
    this.arm();
    return h;
  }

  cancel(h: TimerHandle | undefined): void {
    if (h) h.cancelled = true;
  }

  lock(): void {
    this.lockCount++;
  }
  unlock(): void {
    if (this.lockCount > 0) this.lockCount--;
    this.requestSkipCheck();
  }

  /** Called after every state change; skipping is evaluated once the current tick settles. */
  requestSkipCheck(): void {
    if (!this.timeSkipping || this.skipCheckQueued || this.stopped) return;
    this.skipCheckQueued = true;
    setImmediate(() => {
      this.skipCheckQueued = false;
      this.trySkip();
    });
  }

  private trySkip(): void {
    const credit = this.sleepers - this.lockCount;
    if (!this.timeSkipping || credit < 0 || this.stopped) return;
    this.dropCancelled();
    const top = this.heap[0];
    if (!top) return;
    if (!this.isIdle(credit)) return;
    const now = this.now();
    if (top.at > now) this.offset += top.at - now;
    this.fireDue();
  }

  /** Advance virtual time by ms (TestService Sleep / UnlockTimeSkippingWithSleep semantics). */
  advanceTo(at: number): void {
    const now = this.now();
    if (at > now) this.offset += at - now;
    this.fireDue();
  }

  stop(): void {
    this.stopped = true;
    if (this.nodeTimer) clearTimeout(this.nodeTimer);
  }

  private fireDue(): void {
    for (;;) {
      this.dropCancelled();
      const top = this.heap[0];
      if (!top || top.at > this.now()) break;
      this.pop();
      try {
        top.fn();
      } catch (e) {
        console.error('[duban-temporal] timer callback failed', e);
      }
    }
    this.arm();
    this.requestSkipCheck();
  }

  private arm(): void {
    if (this.stopped) return;
    this.dropCancelled();
    const top = this.heap[0];
    const at = top ? top.at : Infinity;
    if (at === this.nodeTimerAt && this.nodeTimer) return;
    if (this.nodeTimer) clearTimeout(this.nodeTimer);
    this.nodeTimer = undefined;
    this.nodeTimerAt = at;
    if (at === Infinity) return;
    const delay = Math.max(0, Math.min(at - this.now(), 2 ** 31 - 1));
    this.nodeTimer = setTimeout(() => {
      this.nodeTimer = undefined;
      this.nodeTimerAt = Infinity;
      this.fireDue();
    }, delay);
  }

  private dropCancelled(): void {
    while (this.heap.length && this.heap[0].cancelled) this.pop();
  }

  private less(a: TimerHandle, b: TimerHandle): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
  private push(h: TimerHandle): void {
    const a = this.heap;
    a.push(h);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  private pop(): TimerHandle | undefined {
    const a = this.heap;
    const top = a[0];
    const last = a.pop();
    if (a.length && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l], a[m])) m = l;
        if (r < a.length && this.less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}
