/**
 * Stuck workflows made visible. No user input may fail a workflow task, so a
 * task that keeps failing is a bug; the engine (like the real server) records
 * WorkflowTaskFailed and reports the pending task's attempt in
 * DescribeWorkflowExecution. This sweep asks for every open task workflow
 * now and then and keeps the list that `health` and the admin page show.
 *
 * Cost at scale: a describe is answered by the engine alone; the state query
 * that compares the read model with the workflow costs a workflow task on the
 * worker (a replay when the workflow is not cached), so it is asked only of a
 * workflow whose history or read model moved since its last consistent check,
 * and at most `queriesPerSweep` times a sweep (default 500; the ones left over
 * go first next time). After a restart, or an import of thousands of tasks,
 * every workflow has moved: at 10,000 tasks the unbounded sweep replayed them
 * all at once and kept a core busy for minutes (1.08 cores in the scale
 * benchmark's idle minute). Sweeps are paced so that sweeping takes at most a
 * third of the time.
 */
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../prisma/client.ts';
import { resyncSignal, stateQuery } from '../workflows/definitions.ts';

/** How long after its last projection a closed-looking task is still checked against its workflow. */
const RECENTLY_CLOSED_MS = 24 * 3_600_000;

export interface StuckWorkflow {
  workflowId: string;
  taskId: string | null;
  attempt: number;
  since: string | null;
}

export interface StuckWatcher {
  list(): StuckWorkflow[];
  sweep(): Promise<StuckWorkflow[]>;
  stop(): void;
}

export function watchStuckWorkflows(
  client: Client,
  prisma: PrismaClient,
  opts: { intervalMs?: number; firstSweepMs?: number; concurrency?: number; queriesPerSweep?: number } = {},
): StuckWatcher {
  let current: StuckWorkflow[] = [];
  let running: Promise<StuckWorkflow[]> | null = null;
  // workflowId → history length and projection seq when the read model last matched the workflow.
  const consistent = new Map<string, { historyLength: number; seq: number }>();
  let lastSweepMs = 0;
  // Workflows whose state query did not fit in the last sweep's budget: asked first in the next.
  const deferred = new Set<string>();
  const budget = opts.queriesPerSweep ?? 500;
  async function sweepOnce(): Promise<StuckWorkflow[]> {
    // Open tasks, and tasks the read model shows closed lately: a close projected by a workflow
    // task that was lost leaves the workflow running under a closed-looking row.
    const open = await prisma.task.findMany({
      where: {
        workflowId: { not: null },
        OR: [
          { status: { in: ['DRAFT', 'ASSIGNED', 'IN_PROGRESS', 'CLOSURE_REQUESTED'] } },
          { updatedAt: { gte: new Date(Date.now() - RECENTLY_CLOSED_MS) } },
        ],
      },
      select: { id: true, workflowId: true, projectionSeq: true },
    });
    const t0 = Date.now();
    const found: StuckWorkflow[] = [];
    const left = (t: (typeof open)[number]) => deferred.has(t.workflowId!);
    const queue = [...open.filter(left), ...open.filter((t) => !left(t))];
    deferred.clear();
    let queries = 0;
    const openIds = new Set(open.map((t) => t.workflowId!));
    for (const id of consistent.keys()) if (!openIds.has(id)) consistent.delete(id);
    const worker = async () => {
      for (let t = queue.shift(); t; t = queue.shift()) {
        try {
          const d = await client.workflow.getHandle(t.workflowId!).describe();
          if (d.status.name !== 'RUNNING') continue;
          const pending = d.raw.pendingWorkflowTask;
          const attempt = pending?.attempt ?? 0;
          if (attempt > 1) {
            const at = pending?.originalScheduledTime?.seconds;
            found.push({
              workflowId: t.workflowId!,
              taskId: t.id,
              attempt,
              since: at ? new Date(Number(at) * 1000).toISOString() : null,
            });
          }
          // A read model ahead of its workflow shows a change of a workflow task that was lost
          // (the engine or the worker was killed after the projection ran); one behind it, a
          // projection that never landed: have the workflow re-project its state. (A projection
          // under way looks behind too; its resync waits for it and changes nothing.)
          if (attempt <= 1) {
            const last = consistent.get(t.workflowId!);
            if (last && last.historyLength === d.historyLength && last.seq === t.projectionSeq) continue;
            if (queries >= budget) {
              deferred.add(t.workflowId!);
              continue;
            }
            queries++;
            const h = client.workflow.getHandle(t.workflowId!);
            const state = await h.query(stateQuery);
            if (t.projectionSeq !== state.seq) {
              consistent.delete(t.workflowId!);
              await h.signal(resyncSignal);
            } else consistent.set(t.workflowId!, { historyLength: d.historyLength, seq: t.projectionSeq });
          }
        } catch {
          // Not found or unreachable: the restart path (resumeMissingWorkflows) and health cover those.
        }
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency ?? 4 }, worker));
    current = found;
    lastSweepMs = Date.now() - t0;
    return found;
  }
  const sweep = () => (running ??= sweepOnce().finally(() => (running = null)));
  // A workflow that jams shows up within a minute (longer only when a sweep itself takes
  // longer than a third of that), and right after a (re)start.
  const intervalMs = opts.intervalMs ?? 60_000;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout>;
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      void sweep()
        .catch(() => undefined)
        .finally(() => schedule(Math.max(intervalMs, 3 * lastSweepMs)));
    }, ms);
    timer.unref();
  };
  schedule(opts.firstSweepMs ?? 10_000);
  return {
    list: () => current,
    sweep,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
