// Task queues and long polls. A task is a closure that "starts" itself when a
// poller takes it and returns the poll response, or null when it went stale
// (e.g. the workflow task was already started, the activity was cancelled), so
// matching never needs to understand workflow state.

export interface Task {
  start(): any | null;
}

interface Poller {
  resolve(res: any): void;
  /** False once the client gave up on the call: a task handed to it would be lost. */
  alive: () => boolean;
  timer: NodeJS.Timeout;
  workerInstanceKey?: string;
  done: boolean;
}

class Queue {
  tasks: Task[] = [];
  head = 0;
  pollers: Poller[] = [];
  lastPollTime = 0;
  /** Last time a poll on this queue started or ended (a killed worker's polls end when its connection drops). */
  lastActivity = 0;
  lastIdentity = '';
}

export class Matching {
  private queues = new Map<string, Queue>();

  constructor(private pollTimeoutMs = 60_000) {}

  private q(key: string): Queue {
    let q = this.queues.get(key);
    if (!q) {
      q = new Queue();
      this.queues.set(key, q);
    }
    return q;
  }

  /** Adds a task; hands it to a waiting poller at once when there is one. */
  add(key: string, task: Task): void {
    const q = this.q(key);
    while (q.pollers.length) {
      const p = q.pollers.shift()!;
      if (p.done) continue;
      if (!p.alive()) {
        p.done = true;
        clearTimeout(p.timer);
        continue;
      }
      const res = task.start();
      if (res == null) return; // stale before anyone saw it
      p.done = true;
      clearTimeout(p.timer);
      p.resolve(res);
      return;
    }
    q.tasks.push(task);
  }

  private takeTask(q: Queue): any | null {
    while (q.head < q.tasks.length) {
      const t = q.tasks[q.head];
      q.tasks[q.head++] = undefined as any;
      if (q.head > 1024 && q.head * 2 > q.tasks.length) {
        q.tasks = q.tasks.slice(q.head);
        q.head = 0;
      }
      const res = t.start();
      if (res != null) return res;
    }
    return null;
  }

  /** Long poll: resolves with a started task's response, or {} after the poll timeout. */
  poll(
    key: string,
    opts: { identity?: string; workerInstanceKey?: string; onCancel?: (f: () => void) => void; alive?: () => boolean },
  ): Promise<any> {
    const q = this.q(key);
    q.lastPollTime = Date.now();
    q.lastActivity = q.lastPollTime;
    if (opts.identity) q.lastIdentity = opts.identity;
    const res = this.takeTask(q);
    if (res != null) return Promise.resolve(res);
    return new Promise((resolve) => {
      const p: Poller = {
        resolve,
        alive: opts.alive ?? (() => true),
        done: false,
        workerInstanceKey: opts.workerInstanceKey,
        timer: setTimeout(() => finish({}), this.pollTimeoutMs),
      };
      const finish = (r: any) => {
        if (p.done) return;
        p.done = true;
        q.lastActivity = Date.now();
        clearTimeout(p.timer);
        const i = q.pollers.indexOf(p);
        if (i >= 0) q.pollers.splice(i, 1);
        resolve(r);
      };
      q.pollers.push(p);
      opts.onCancel?.(() => finish({}));
    });
  }

  /** ShutdownWorker: answer the worker's outstanding polls with empty responses. */
  completePolls(predicate: (key: string, p: { workerInstanceKey?: string }) => boolean): void {
    for (const [key, q] of this.queues) {
      for (const p of [...q.pollers]) {
        if (!p.done && predicate(key, p)) {
          p.done = true;
          clearTimeout(p.timer);
          q.pollers.splice(q.pollers.indexOf(p), 1);
          p.resolve({});
        }
      }
    }
  }

  /**
   * True when some worker polls `key` now or did within `withinMs` (Temporal's
   * "sticky worker available" check). Polls whose caller went away do not count.
   */
  hasRecentPoller(key: string, withinMs: number): boolean {
    const q = this.queues.get(key);
    if (!q) return false;
    if (q.pollers.some((p) => !p.done && p.alive())) return true;
    return Date.now() - q.lastActivity < withinMs;
  }

  pending(key: string): number {
    const q = this.queues.get(key);
    return q ? q.tasks.length - q.head : 0;
  }
  pollerInfo(key: string): { lastAccessTime: number; identity: string } | undefined {
    const q = this.queues.get(key);
    return q && q.lastPollTime ? { lastAccessTime: q.lastPollTime, identity: q.lastIdentity } : undefined;
  }

  close(): void {
    this.completePolls(() => true);
  }
}
