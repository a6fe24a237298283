/**
 * The projection's SQL (activities/projection.ts), prepared once per connection.
 * One projection is one synchronous SQLite transaction of these statements:
 * through Prisma the same writes cost about 40 times the CPU (a query plan and a
 * fresh prepare per statement, one await each), and the projection runs at every
 * change of every task. Column names and value encodings follow prisma/schema.prisma
 * as Prisma writes them (DateTime as ISO text with "+00:00", Boolean as 0/1).
 */
import type Database from 'better-sqlite3';

/** A DateTime as Prisma's better-sqlite3 adapter stores it. */
export const sqlTime = (d: Date | string | number | null | undefined): string | null =>
  d === null || d === undefined ? null : new Date(d).toISOString().replace('Z', '+00:00');

function prepareAll(db: Database.Database) {
  const p = (sql: string) => db.prepare(sql);
  // Rows created by the workflow change at seq >= @minSeq of this task.
  const mine = 'taskId = @taskId AND seq >= @minSeq';
  return {
    before: p('SELECT projectionSeq, projectionAttempt, projectionOrder FROM Task WHERE id = ?').safeIntegers(false),
    updateTask: p(`UPDATE Task SET
        status = @status, health = @health, escalationLevel = @escalationLevel,
        leadDepartmentId = @leadDepartmentId, dueDate = @dueDate, progress = @progress,
        assignedAt = @assignedAt, acknowledgedAt = @acknowledgedAt, closedAt = @closedAt,
        needsAssignment = @needsAssignment,
        cancelReason = CASE WHEN @cancelReason IS NULL THEN cancelReason ELSE @cancelReason END,
        reportCadence = CASE WHEN @setCadence THEN @reportCadence ELSE reportCadence END,
        responsibility = CASE WHEN @responsibility IS NULL THEN responsibility ELSE @responsibility END,
        projectionSeq = @seq, projectionAttempt = @attempt, projectionOrder = @order, updatedAt = @now
      WHERE id = @taskId
        AND (projectionOrder < @order OR (projectionOrder = @order AND projectionSeq <= @seq))`),
    // 佐证材料 of a report or closure that never happened are free again (attachable to the real one).
    freeReportEvidence: p(
      `UPDATE Evidence SET reportId = NULL WHERE reportId IN (SELECT id FROM ProgressReport WHERE ${mine})`,
    ),
    freeClosureEvidence: p(
      `UPDATE Evidence SET closureId = NULL WHERE closureId IN (SELECT id FROM ClosureReview WHERE ${mine})`,
    ),
    deleteActuals: p(`DELETE FROM IndicatorActual WHERE reportId IN (SELECT id FROM ProgressReport WHERE ${mine})`),
    deleteReports: p(`DELETE FROM ProgressReport WHERE ${mine}`),
    deleteEvents: p(`DELETE FROM TaskEvent WHERE ${mine}`),
    deleteExtensions: p(`DELETE FROM ExtensionRequest WHERE ${mine}`),
    deleteClosures: p(`DELETE FROM ClosureReview WHERE ${mine}`),
    deleteInstructions: p(`DELETE FROM Instruction WHERE ${mine}`),

    cooperators: p('SELECT departmentId FROM TaskCooperator WHERE taskId = ? ORDER BY sortOrder'),
    deleteCooperators: p('DELETE FROM TaskCooperator WHERE taskId = ?'),
    insertCooperator: p('INSERT INTO TaskCooperator (taskId, departmentId, sortOrder) VALUES (?, ?, ?)'),
    milestones: p('SELECT text, dueDate, doneAt FROM Milestone WHERE taskId = ? ORDER BY rowid'),
    deleteMilestones: p('DELETE FROM Milestone WHERE taskId = ?'),
    insertMilestone: p('INSERT INTO Milestone (id, taskId, text, dueDate, doneAt) VALUES (?, ?, ?, ?, ?)'),

    // Pending requests are state: the ones the workflow no longer holds are withdrawn.
    withdrawExtensions: p(`UPDATE ExtensionRequest SET status = 'WITHDRAWN'
      WHERE taskId = @taskId AND status = 'PENDING' AND seq <= @seq AND (@held IS NULL OR id <> @held)`),
    withdrawClosures: p(`UPDATE ClosureReview SET status = 'WITHDRAWN'
      WHERE taskId = @taskId AND status = 'PENDING' AND seq <= @seq AND (@held IS NULL OR id <> @held)`),
    repend: {
      extension: p(`UPDATE ExtensionRequest SET status = 'PENDING', decidedById = NULL, decidedAt = NULL,
        decisionReason = NULL WHERE id = ? AND seq <= ?`),
      closure: p(`UPDATE ClosureReview SET status = 'PENDING', reviewerId = NULL, reason = NULL, decidedAt = NULL
        WHERE id = ? AND seq <= ?`),
    },
    orderHeld: p('UPDATE SupervisionOrder SET status = ?, closedAt = NULL, closedById = NULL WHERE id = ?'),
    orderReissued: p(
      `UPDATE SupervisionOrder SET status = 'ISSUED', closedAt = NULL, closedById = NULL,
        reply = NULL, repliedById = NULL, repliedAt = NULL WHERE id = ?`,
    ),
    closeOrders: p(
      `UPDATE SupervisionOrder SET status = 'CLOSED', closedAt = ?, seq = ? WHERE taskId = ? AND status <> 'CLOSED'`,
    ),
    replyOrder: p(
      `UPDATE SupervisionOrder SET status = 'REPLIED', reply = ?, repliedById = ?, repliedAt = ?, seq = ? WHERE id = ?`,
    ),
    closeOrder: p(`UPDATE SupervisionOrder SET status = 'CLOSED', closedById = ?, closedAt = ?, seq = ? WHERE id = ?`),

    insertEvent: p(`INSERT INTO TaskEvent
      (id, taskId, seq, at, actorId, actorRole, kind, fromStatus, toStatus, reason, data)
      VALUES (@id, @taskId, @seq, @at, @actorId, @actorRole, @kind, @fromStatus, @toStatus, @reason, @data)`),
    openRound: p(`SELECT id, reportDueDate FROM SupervisionRound
      WHERE planId = ? AND status = 'OPEN' AND opensAt <= ? ORDER BY opensAt DESC LIMIT 1`),
    insertReport: p(`INSERT INTO ProgressReport
      (id, taskId, seq, roundId, departmentId, authorId, kind, progress, narrative, problems, nextSteps,
       submittedAt, onTime, dueOn)
      VALUES (@id, @taskId, @seq, @roundId, @departmentId, @authorId, @kind, @progress, @narrative, @problems,
       @nextSteps, @submittedAt, @onTime, @dueOn)`),
    insertActual: p(
      'INSERT INTO IndicatorActual (id, indicatorId, reportId, value, recordedAt) VALUES (?, ?, ?, ?, ?)',
    ),
    upsertExtension: p(`INSERT INTO ExtensionRequest
      (id, taskId, seq, requestedById, currentDueDate, requestedDueDate, reason, createdAt,
       status, decidedById, decidedAt, decisionReason)
      VALUES (@id, @taskId, @seq, @requestedById, @currentDueDate, @requestedDueDate, @reason, @createdAt,
       @status, @decidedById, @decidedAt, @decisionReason)
      ON CONFLICT(id) DO UPDATE SET status = excluded.status, decidedById = excluded.decidedById,
       decidedAt = excluded.decidedAt, decisionReason = excluded.decisionReason`),
    upsertClosure: p(`INSERT INTO ClosureReview
      (id, taskId, seq, requestedById, summary, createdAt, status, reviewerId, reason, decidedAt)
      VALUES (@id, @taskId, @seq, @requestedById, @summary, @createdAt, @status, @reviewerId, @reason, @decidedAt)
      ON CONFLICT(id) DO UPDATE SET status = excluded.status, reviewerId = excluded.reviewerId,
       reason = excluded.reason, decidedAt = excluded.decidedAt`),
    linkReportEvidence: p('UPDATE Evidence SET reportId = ? WHERE id = ? AND taskId = ?'),
    linkClosureEvidence: p('UPDATE Evidence SET closureId = ? WHERE id = ? AND taskId = ?'),
    insertInstruction: p(
      'INSERT INTO Instruction (id, taskId, seq, authorId, text, createdAt) VALUES (?, ?, ?, ?, ?, ?)',
    ),
  };
}

export type ProjectionStatements = ReturnType<typeof prepareAll>;

const prepared = new WeakMap<Database.Database, ProjectionStatements>();

export function projectionStatements(db: Database.Database): ProjectionStatements {
  let s = prepared.get(db);
  if (!s) {
    s = prepareAll(db);
    prepared.set(db, s);
  }
  return s;
}
