/**
 * The read model: `projectTask` writes a task workflow's state into the
 * database so that it converges to exactly what the workflow did (ARCHITECTURE.md rule 1).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { Context } from '@temporalio/activity';
import { sqliteConnection, type PrismaClient } from '../prisma/client.ts';
import { displayHealth } from '../domain/health.ts';
import { endOfDay, shanghaiInstant } from '../domain/calendar.ts';
import { projectionStatements, sqlTime, type ProjectionStatements } from './projectionStatements.ts';
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

  async function writeProjection(input: ProjectTaskInput, log: ProjectionLogEntry | null): Promise<void> {
    const db = await sqliteConnection(prisma);
    const st = projectionStatements(db);
    // Prisma's interactive transactions hold this connection between awaits: wait until none is
    // open, then write everything in one synchronous transaction (nothing can interleave).
    for (let waited = 0; db.inTransaction; waited += 2) {
      if (waited > 30_000) throw new Error('projectTask: the database connection stayed in a transaction for 30 s');
      await new Promise((r) => setTimeout(r, 2));
    }
    db.transaction(() => writeRows(st, input, log)).immediate();
  }

  return { projectTask };
}

function writeRows(
  st: ProjectionStatements,
  { task, event, extra = {}, resync = false }: ProjectTaskInput,
  log: ProjectionLogEntry | null,
): void {
  const seq = task.seq;
  const attempt = task.attempt ?? 0;
  const taskId = task.taskId;
  // A write without an order (an activity scheduled before orders existed) loses to every write with one.
  const order = task.order ?? '';
  const eventAt = sqlTime(event.at);
  if (log) {
    const before = st.before.get(taskId) as
      { projectionSeq: number; projectionAttempt: number; projectionOrder: string } | undefined;
    log.before = before ? [before.projectionSeq, before.projectionAttempt, before.projectionOrder] : null;
  }
  const updated = st.updateTask.run({
    taskId,
    status: task.status,
    health: displayHealth(task),
    escalationLevel: task.escalationLevel,
    leadDepartmentId: task.leadDepartmentId,
    dueDate: task.dueDate,
    progress: task.progress,
    assignedAt: sqlTime(shanghaiMidnight(task.assignedOn)),
    acknowledgedAt: sqlTime(shanghaiMidnight(task.acknowledgedOn)),
    closedAt: task.status === 'CLOSED' ? eventAt : null,
    needsAssignment: task.leadDepartmentId === null ? 1 : 0,
    cancelReason: extra.cancelReason || null,
    setCadence: task.reportCadence !== undefined ? 1 : 0,
    reportCadence: task.reportCadence ?? null,
    responsibility: task.responsibility !== undefined ? JSON.stringify(task.responsibility) : null,
    seq,
    attempt,
    order,
    now: sqlTime(Date.now()),
  });
  if (log) log.applied = updated.changes;
  // An older write (a straggler of a lost workflow task) changes nothing.
  if (updated.changes === 0) return;
  // A resync keeps its own seq's rows (it has no event of its own) and removes those above.
  const mine = { taskId, minSeq: resync ? seq + 1 : seq };
  st.freeReportEvidence.run(mine);
  st.freeClosureEvidence.run(mine);
  st.deleteActuals.run(mine);
  const removed = [
    st.deleteReports.run(mine).changes,
    st.deleteEvents.run(mine).changes,
    st.deleteExtensions.run(mine).changes,
    st.deleteClosures.run(mine).changes,
    st.deleteInstructions.run(mine).changes,
  ];
  if (log) log.removed = removed;

  // Cooperators and milestones are replaced whole, when they changed.
  const coop = (st.cooperators.all(taskId) as { departmentId: string }[]).map((r) => r.departmentId);
  if (coop.join('\0') !== task.cooperatingDepartmentIds.join('\0')) {
    st.deleteCooperators.run(taskId);
    task.cooperatingDepartmentIds.forEach((d, i) => st.insertCooperator.run(taskId, d, i));
  }
  const milestones = task.milestones.map((m) => [
    m.title ?? m.dueDate,
    m.dueDate ?? null,
    sqlTime(shanghaiMidnight(m.completedOn)),
  ]);
  const held = st.milestones.all(taskId) as { text: string; dueDate: string | null; doneAt: string | null }[];
  if (JSON.stringify(held.map((m) => [m.text, m.dueDate, m.doneAt])) !== JSON.stringify(milestones)) {
    st.deleteMilestones.run(taskId);
    for (const [text, dueDate, doneAt] of milestones)
      st.insertMilestone.run(randomUUID(), taskId, text, dueDate, doneAt);
  }
  // Pending requests are state: a request the workflow no longer holds (the task was
  // cancelled, or another request took its place) is closed, and a decision the
  // workflow never committed is undone.
  st.withdrawExtensions.run({ taskId, seq, held: task.pendingExtension?.id ?? null });
  st.withdrawClosures.run({ taskId, seq, held: task.pendingClosure?.id ?? null });
  // A resync keeps its own seq's rows: a request made at that seq and decided by a lost
  // workflow task is pending again too (seq <= N, not < N).
  if (task.pendingExtension?.id) st.repend.extension.run(task.pendingExtension.id, seq);
  if (task.pendingClosure?.id) st.repend.closure.run(task.pendingClosure.id, seq);

  // 督办单 follow the workflow: the ones it holds open have its status (a reply or a
  // closing it never committed is undone); when the task ends, every open one closes.
  for (const o of task.orders ?? []) {
    if (o.status === 'ISSUED') st.orderReissued.run(o.id);
    else st.orderHeld.run(o.status, o.id);
  }
  if (task.status === 'CLOSED' || task.status === 'CANCELLED') st.closeOrders.run(eventAt, seq, taskId);

  if (resync) return;
  st.insertEvent.run({
    id: event.id,
    taskId,
    seq,
    at: eventAt,
    actorId: event.actor?.userId ?? null,
    actorRole: event.actor?.role ?? null,
    kind: event.kind,
    fromStatus: event.fromStatus ?? null,
    toStatus: event.toStatus ?? null,
    reason: event.reason ?? null,
    data: JSON.stringify(event.data ?? {}),
  });
  const r = extra.report;
  if (r) {
    const submittedAt = new Date(event.at);
    const round =
      r.kind === 'REPORT'
        ? (st.openRound.get(task.planId, sqlTime(submittedAt)) as { id: string; reportDueDate: string } | undefined)
        : undefined;
    const dueEnd = round ? new Date(endOfDay(round.reportDueDate)) : null;
    st.insertReport.run({
      id: r.id,
      taskId,
      seq,
      roundId: round?.id ?? null,
      departmentId: r.departmentId,
      authorId: r.authorId,
      kind: r.kind,
      progress: r.progress,
      narrative: r.narrative,
      problems: r.problems ?? null,
      nextSteps: r.nextSteps ?? null,
      submittedAt: eventAt,
      // A periodic report (报送频次) is judged against its period; a round's report against the round.
      onTime: (r.onTime ?? (dueEnd ? submittedAt < dueEnd : true)) ? 1 : 0,
      dueOn: r.dueOn ?? null,
    });
    for (const a of r.actuals) st.insertActual.run(randomUUID(), a.indicatorId, r.id, a.value, eventAt);
  }
  // A decision on no request (two decisions accepted at once, before 'update-checks-at-change')
  // records its event only: failing it would hold back every later projection of the task.
  const x = extra.extension?.id ? extra.extension : undefined;
  if (x) {
    st.upsertExtension.run({
      id: x.id,
      taskId,
      seq,
      requestedById: x.requestedBy,
      currentDueDate: x.currentDueDate ?? null,
      requestedDueDate: x.requestedDueDate,
      reason: x.reason,
      createdAt: sqlTime(x.at),
      status: x.status,
      decidedById: x.decidedBy ?? null,
      decidedAt: x.decidedAt ? sqlTime(x.decidedAt) : null,
      decisionReason: x.decisionReason ?? null,
    });
  }
  for (const id of r?.evidenceIds ?? []) st.linkReportEvidence.run(r!.id, id, taskId);
  const c = extra.closure?.id ? extra.closure : undefined;
  for (const id of c?.evidenceIds ?? []) st.linkClosureEvidence.run(c!.id, id, taskId);
  if (c) {
    st.upsertClosure.run({
      id: c.id,
      taskId,
      seq,
      requestedById: c.requestedBy,
      summary: c.summary,
      createdAt: sqlTime(c.at),
      status: c.status,
      reviewerId: c.reviewerId ?? null,
      reason: c.reason ?? null,
      decidedAt: c.decidedAt ? sqlTime(c.decidedAt) : null,
    });
  }
  const o = extra.order;
  if (o) {
    if (o.status === 'REPLIED') st.replyOrder.run(o.text ?? null, o.by, eventAt, seq, o.id);
    else st.closeOrder.run(o.by, eventAt, seq, o.id);
  }
  const ins = extra.instruction;
  if (ins) st.insertInstruction.run(ins.id, taskId, seq, ins.authorId, ins.text, eventAt);
}
