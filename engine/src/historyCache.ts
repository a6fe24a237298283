// The history cache: which executions keep their decoded history in memory.
// Everything is in the store once committed, so an execution's events may be
// dropped from memory and decoded again from SQLite when next used (a worker
// poll without a sticky cache, a GetWorkflowExecutionHistory, a close). Memory
// then follows the executions in use, not every execution ever started: at
// start-up nothing is decoded. Not here: what is stored (store.ts), when it is
// written (durability.ts).
import { Exec, type HistorySource } from './history.js';
import { decode, T } from './proto.js';
import type { Store } from './store.js';

export interface HistoryCacheStats {
  loaded: number;
  loadedBytes: number;
  loads: number;
  unloads: number;
}

export class HistoryCache implements HistorySource {
  private readonly loaded = new Set<Exec>();
  private loads = 0;
  private unloads = 0;
  private lastTrim = 0;

  /** `maxBytes`: encoded bytes of history kept decoded (Infinity: keep every history, as without a store). */
  constructor(
    private readonly store: Store,
    private readonly maxBytes: number,
  ) {}

  get bounded(): boolean {
    return Number.isFinite(this.maxBytes);
  }

  /** Puts an execution under the cache (its history in memory now, or in the store only). */
  adopt(e: Exec): void {
    if (!this.bounded) return;
    e.source = this;
    if (e.historyLoaded) this.loaded.add(e);
  }

  load(e: Exec): any[] {
    this.loads++;
    this.loaded.add(e);
    return this.store.loadEvents(e.s.runId).map((b) => decode(T.HistoryEvent(), b));
  }

  /**
   * Drops the least recently used histories until the rest fit in the bound
   * (to 80% of it, so trims do not run on every commit). Only call between
   * event-loop turns (after a commit): no RPC holds a history reference then.
   */
  trim(now = Date.now()): void {
    if (!this.bounded || now - this.lastTrim < 100) return;
    this.lastTrim = now;
    let bytes = this.loadedBytes();
    if (bytes <= this.maxBytes) return;
    const oldest = [...this.loaded].sort((a, b) => a.lastUsed - b.lastUsed);
    for (const e of oldest) {
      if (bytes <= this.maxBytes * 0.8) break;
      if (!e.unloadHistory()) continue;
      this.loaded.delete(e);
      this.unloads++;
      bytes -= e.historyBytes;
    }
  }

  stats(): HistoryCacheStats {
    return { loaded: this.loaded.size, loadedBytes: this.loadedBytes(), loads: this.loads, unloads: this.unloads };
  }

  private loadedBytes(): number {
    let bytes = 0;
    for (const e of this.loaded) bytes += e.historyBytes;
    return bytes;
  }
}
