/**
 * Stuck workflows made visible. No user input may fail a workflow task, so a
 * task that keeps failing is a bug; the engine (like the real server) records
 * WorkflowTaskFailed and reports the pending task's attempt in
 * DescribeWorkflowExecution. This sweep asks for every open task workflow
 * now and then and keeps the list that `health` and the admin page show.
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
  opts: { intervalMs?: number; firstSweepMs?: number; concurrency?: number } = {},
): StuckWatcher {
  let current: StuckWorkflow[] = [];
  let running: Promise<StuckWorkflow[]> | null = null;
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
    const found: StuckWorkflow[] = [];
    const queue = [...open];
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
            const h = client.workflow.getHandle(t.workflowId!);
            const state = await h.query(stateQuery);
            if (t.projectionSeq !== state.seq) await h.signal(resyncSignal);
          }
        } catch {
          // Not found or unreachable: the restart path (resumeMissingWorkflows) and health cover those.
        }
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency ?? 4 }, worker));
    current = found;
    return found;
  }
  const sweep = () => (running ??= sweepOnce().finally(() => (running = null)));
  // A workflow that jams shows up within a minute, and right after a (re)start.
  const timer = setInterval(() => void sweep().catch(() => undefined), opts.intervalMs ?? 60_000);
  timer.unref();
  const first = setTimeout(() => void sweep().catch(() => undefined), opts.firstSweepMs ?? 10_000);
  first.unref();
  return {
    list: () => current,
    sweep,
    stop: () => {
      clearInterval(timer);
      clearTimeout(first);
    },
  };
}
