/**
 * The read model: `projectTask` writes a task workflow's state into the
 * database so that it converges to exactly what the workflow did (ARCHITECTURE.md rule 1).
 */
import fs from 'node:fs';
import { Context } from '@temporalio/activity';
import type { PrismaClient } from '../prisma/client.ts';
import { displayHealth } from '../domain/health.ts';
import { endOfDay, shanghaiInstant } from '../domain/calendar.ts';
import type { ProjectTaskInput } from './types.ts';

/** The start of a day in Asia/Shanghai, as the read model stores a day (assignedAt, doneAt). */
const shanghaiMidnight = (date: string | null | undefined): Date | null =>
  date ? new Date(shanghaiInstant(date, '00:00')) : null;

/**
 * Opt-in trace of every projection (DUBAN_PROJECTION_LOG=/path): one JSON line per
 * committed projectTask call, for reading a fault soak's read-model lags afterwards.
 */
function projectionLog(task: ProjectTaskInput['task'], event: ProjectTaskInput['event'], resync: boolean) {
  const file = process.env.DUBAN_PROJECTION_LOG;
  if (!file) return null;
  let info: Partial<ReturnType<typeof Context.current>['info']> = {};
  try {
    info = Context.current().info;
  } catch {
    // not running as an activity
  }
  const started = new Date().toISOString();
  const entry = {
    before: null as [number, number, string] | null,
    applied: 0,
    removed: [] as number[],
    error: undefined as string | undefined,
    write() {
      const line = {
        started,
        ended: new Date().toISOString(),
        pid: process.pid,
        taskId: task.taskId,
        seq: task.seq,
        attempt: task.attempt ?? 0,
        order: task.order,
        kind: event.kind,
        status: task.status,
        resync,
        pendingExtension: task.pendingExtension?.id ?? null,
        before: entry.before,
        applied: entry.applied,
        removed: entry.removed,
        error: entry.error,
        runId: info.workflowExecution?.runId,
        activityId: info.activityId,
        activityAttempt: info.attempt,
        isLocal: info.isLocal,
        scheduledAt: info.scheduledTimestampMs,
      };
      try {
        fs.appendFileSync(file, `${JSON.stringify(line)}\n`);
      } catch {
        // a trace never fails a projection
      }
    },
  };
  return entry;
}
type ProjectionLogEntry = NonNullable<ReturnType<typeof projectionLog>>;

export function createProjection(prisma: PrismaClient) {
  /**
   * Write the workflow's state into the read model so that it converges to
   * exactly what the workflow did. A local activity writes before its workflow
   * task is committed; when that task is lost, the workflow runs again from
   * the last committed state and projects the same seqs with other content,
   * while the lost execution's writes may still be under way (a worker keeps
   * running a local activity whose task it lost).
   *
   * So every write carries `task.order`, which execution of the workflow made
   * it (run start, history length, workflow task time; see projectionOrder in
   * workflows/reformTask.ts). A later execution started from committed state,
   * so its write wins at any seq; within one execution a later seq wins. The
   * winner replaces the task row, its cooperators, milestones and pending
   * requests whole, and removes every row created at seq >= N (> N for a
   * resync, which has no event of its own) before writing its own: nothing
   * the workflow did is dropped, nothing it did not do survives.
   */
  async function projectTask(input: ProjectTaskInput): Promise<void> {
    const log = projectionLog(input.task, input.event, input.resync ?? false);
    try {
      await writeProjection(input, log);
    } catch (err) {
      if (log) log.error = String(err).slice(0, 300);
      log?.write();
      throw err;
    }
    log?.write();
  }

  async function writeProjection(
    { task, event, extra = {}, resync = false }: ProjectTaskInput,
    log: ProjectionLogEntry | null,
  ): Promise<void> {
    const seq = task.seq;
    const attempt = task.attempt ?? 0;
    // A write without an order (an activity scheduled before orders existed) loses to every write with one.
    const order = task.order ?? '';
    await prisma.$transaction(async (tx) => {
      if (log) {
        const before = await tx.task.findUnique({
          where: { id: task.taskId },
          select: { projectionSeq: true, projectionAttempt: true, projectionOrder: true },
        });
        log.before = before ? [before.projectionSeq, before.projectionAttempt, before.projectionOrder] : null;
      }
      const updated = await tx.task.updateMany({
        where: {
          id: task.taskId,
          OR: [{ projectionOrder: { lt: order } }, { projectionOrder: order, projectionSeq: { lte: seq } }],
        },
        data: {
          status: task.status,
          health: displayHealth(task),
          escalationLevel: task.escalationLevel,
          leadDepartmentId: task.leadDepartmentId,
          dueDate: task.dueDate,
          progress: task.progress,
          assignedAt: shanghaiMidnight(task.assignedOn),
          acknowledgedAt: shanghaiMidnight(task.acknowledgedOn),
          closedAt: task.status === 'CLOSED' ? new Date(event.at) : null,
          needsAssignment: task.leadDepartmentId === null,
          ...(extra.cancelReason ? { cancelReason: extra.cancelReason } : {}),
          ...(task.reportCadence !== undefined ? { reportCadence: task.reportCadence } : {}),
          ...(task.responsibility !== undefined ? { responsibility: JSON.stringify(task.responsibility) } : {}),
          projectionSeq: seq,
          projectionAttempt: attempt,
          projectionOrder: order,
        },
      });
      if (log) log.applied = updated.count;
      // An older write (a straggler of a lost workflow task) changes nothing.
      if (updated.count === 0) return;
      // A resync keeps its own seq's rows (it has no event of its own) and removes those above.
      const mine = { taskId: task.taskId, seq: resync ? { gt: seq } : { gte: seq } };
      const phantomReports = await tx.progressReport.findMany({ where: mine, select: { id: true } });
      // 佐证材料 of a report or closure that never happened are free again (attachable to the real one).
      const phantomClosures = await tx.closureReview.findMany({ where: mine, select: { id: true } });
      if (phantomReports.length)
        await tx.evidence.updateMany({
          where: { reportId: { in: phantomReports.map((r) => r.id) } },
          data: { reportId: null },
        });
      if (phantomClosures.length)
        await tx.evidence.updateMany({
          where: { closureId: { in: phantomClosures.map((c) => c.id) } },
          data: { closureId: null },
        });
      if (phantomReports.length) {
        await tx.indicatorActual.deleteMany({ where: { reportId: { in: phantomReports.map((r) => r.id) } } });
        await tx.progressReport.deleteMany({ where: mine });
      }
      const removed = [
        phantomReports.length,
        (await tx.taskEvent.deleteMany({ where: mine })).count,
        (await tx.extensionRequest.deleteMany({ where: mine })).count,
        (await tx.closureReview.deleteMany({ where: mine })).count,
        (await tx.instruction.deleteMany({ where: mine })).count,
      ];
      if (log) log.removed = removed;

      await tx.taskCooperator.deleteMany({ where: { taskId: task.taskId } });
      await tx.taskCooperator.createMany({
        data: task.cooperatingDepartmentIds.map((departmentId, i) => ({
          taskId: task.taskId,
          departmentId,
          sortOrder: i,
        })),
      });
      await tx.milestone.deleteMany({ where: { taskId: task.taskId } });
      await tx.milestone.createMany({
        data: task.milestones.map((m) => ({
          taskId: task.taskId,
          text: m.title ?? m.dueDate,
          dueDate: m.dueDate,
          doneAt: shanghaiMidnight(m.completedOn),
        })),
      });
      // Pending requests are state: a request the workflow no longer holds (the task was
      // cancelled, or another request took its place) is closed, and a decision the
      // workflow never committed is undone.
      const held = (r: { id?: string } | null) => (r?.id ? { id: { not: r.id } } : {});
      await tx.extensionRequest.updateMany({
        where: { taskId: task.taskId, status: 'PENDING', seq: { lte: seq }, ...held(task.pendingExtension) },
        data: { status: 'WITHDRAWN' },
      });
      await tx.closureReview.updateMany({
        where: { taskId: task.taskId, status: 'PENDING', seq: { lte: seq }, ...held(task.pendingClosure) },
        data: { status: 'WITHDRAWN' },
      });
      // A resync keeps its own seq's rows: a request made at that seq and decided by a lost
      // workflow task is pending again too (seq <= N, not < N).
      if (task.pendingExtension) {
        await tx.extensionRequest.updateMany({
          where: { id: task.pendingExtension.id, seq: { lte: seq } },
          data: { status: 'PENDING', decidedById: null, decidedAt: null, decisionReason: null },
        });
      }
      if (task.pendingClosure) {
        await tx.closureReview.updateMany({
          where: { id: task.pendingClosure.id, seq: { lte: seq } },
          data: { status: 'PENDING', reviewerId: null, reason: null, decidedAt: null },
        });
      }

      // 督办单 follow the workflow: the ones it holds open have its status (a reply or a
      // closing it never committed is undone); when the task ends, every open one closes.
      for (const o of task.orders ?? []) {
        await tx.supervisionOrder.updateMany({
          where: { id: o.id },
          data: {
            status: o.status,
            closedAt: null,
            closedById: null,
            ...(o.status === 'ISSUED' ? { reply: null, repliedById: null, repliedAt: null } : {}),
          },
        });
      }
      if (task.status === 'CLOSED' || task.status === 'CANCELLED') {
        await tx.supervisionOrder.updateMany({
          where: { taskId: task.taskId, status: { not: 'CLOSED' } },
          data: { status: 'CLOSED', closedAt: new Date(event.at), seq },
        });
      }

      if (resync) return;
      await tx.taskEvent.create({
        data: {
          id: event.id,
          taskId: task.taskId,
          seq,
          at: new Date(event.at),
          actorId: event.actor?.userId ?? null,
          actorRole: event.actor?.role ?? null,
          kind: event.kind,
          fromStatus: event.fromStatus ?? null,
          toStatus: event.toStatus ?? null,
          reason: event.reason ?? null,
          data: JSON.stringify(event.data ?? {}),
        },
      });
      const r = extra.report;
      if (r) {
        const submittedAt = new Date(event.at);
        const round =
          r.kind === 'REPORT'
            ? await tx.supervisionRound.findFirst({
                where: { planId: task.planId, status: 'OPEN', opensAt: { lte: submittedAt } },
                orderBy: { opensAt: 'desc' },
              })
            : null;
        const dueEnd = round ? new Date(endOfDay(round.reportDueDate)) : null;
        await tx.progressReport.create({
          data: {
            id: r.id,
            taskId: task.taskId,
            seq,
            roundId: round?.id ?? null,
            departmentId: r.departmentId,
            authorId: r.authorId,
            kind: r.kind,
            progress: r.progress,
            narrative: r.narrative,
            problems: r.problems ?? null,
            nextSteps: r.nextSteps ?? null,
            submittedAt,
            // A periodic report (报送频次) is judged against its period; a round's report against the round.
            onTime: r.onTime ?? (dueEnd ? submittedAt < dueEnd : true),
            dueOn: r.dueOn ?? null,
          },
        });
        if (r.actuals.length) {
          await tx.indicatorActual.createMany({
            data: r.actuals.map((a) => ({
              indicatorId: a.indicatorId,
              reportId: r.id,
              value: a.value,
              recordedAt: submittedAt,
            })),
          });
        }
      }
      // A decision on no request (two decisions accepted at once, before 'update-checks-at-change')
      // records its event only: failing it would hold back every later projection of the task.
      const x = extra.extension?.id ? extra.extension : undefined;
      if (x) {
        const data = {
          status: x.status,
          decidedById: x.decidedBy ?? null,
          decidedAt: x.decidedAt ? new Date(x.decidedAt) : null,
          decisionReason: x.decisionReason ?? null,
        };
        await tx.extensionRequest.upsert({
          where: { id: x.id },
          update: data,
          create: {
            id: x.id,
            taskId: task.taskId,
            seq,
            requestedById: x.requestedBy,
            currentDueDate: x.currentDueDate,
            requestedDueDate: x.requestedDueDate,
            reason: x.reason,
            createdAt: new Date(x.at),
            ...data,
          },
        });
      }
      if (r?.evidenceIds?.length)
        await tx.evidence.updateMany({
          where: { id: { in: r.evidenceIds }, taskId: task.taskId },
          data: { reportId: r.id },
        });
      const c = extra.closure?.id ? extra.closure : undefined;
      if (c?.evidenceIds?.length)
        await tx.evidence.updateMany({
          where: { id: { in: c.evidenceIds }, taskId: task.taskId },
          data: { closureId: c.id },
        });
      if (c) {
        const data = {
          status: c.status,
          reviewerId: c.reviewerId ?? null,
          reason: c.reason ?? null,
          decidedAt: c.decidedAt ? new Date(c.decidedAt) : null,
        };
        await tx.closureReview.upsert({
          where: { id: c.id },
          update: data,
          create: {
            id: c.id,
            taskId: task.taskId,
            seq,
            requestedById: c.requestedBy,
            summary: c.summary,
            createdAt: new Date(c.at),
            ...data,
          },
        });
      }
      const o = extra.order;
      if (o) {
        const at = new Date(event.at);
        await tx.supervisionOrder.updateMany({
          where: { id: o.id },
          data:
            o.status === 'REPLIED'
              ? { status: 'REPLIED', reply: o.text ?? null, repliedById: o.by, repliedAt: at, seq }
              : { status: 'CLOSED', closedById: o.by, closedAt: at, seq },
        });
      }
      const ins = extra.instruction;
      if (ins) {
        await tx.instruction.create({
          data: {
            id: ins.id,
            taskId: task.taskId,
            seq,
            authorId: ins.authorId,
            text: ins.text,
            createdAt: new Date(event.at),
          },
        });
      }
    });
  }

  return { projectTask };
}
