-- AlterTable
ALTER TABLE "Plan" ADD COLUMN "issuedOn" TEXT;
ALTER TABLE "Plan" ADD COLUMN "sourceHash" TEXT;
ALTER TABLE "Plan" ADD COLUMN "supersedesId" TEXT;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ClosureReview" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "taskId" TEXT NOT NULL,
    "requestedById" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "reviewerId" TEXT,
    "reason" TEXT,
    "decidedAt" DATETIME,
    "createdAt" DATETIME NOT NULL,
    "seq" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "ClosureReview_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "Task" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_ClosureReview" ("createdAt", "decidedAt", "id", "reason", "requestedById", "reviewerId", "status", "summary", "taskId") SELECT "createdAt", "decidedAt", "id", "reason", "requestedById", "reviewerId", "status", "summary", "taskId" FROM "ClosureReview";
DROP TABLE "ClosureReview";
ALTER TABLE "new_ClosureReview" RENAME TO "ClosureReview";
CREATE INDEX "ClosureReview_taskId_seq_idx" ON "ClosureReview"("taskId", "seq");
CREATE INDEX "ClosureReview_taskId_idx" ON "ClosureReview"("taskId");
CREATE TABLE "new_ExtensionRequest" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "taskId" TEXT NOT NULL,
    "requestedById" TEXT NOT NULL,
    "currentDueDate" TEXT,
    "requestedDueDate" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "decidedById" TEXT,
    "decidedAt" DATETIME,
    "decisionReason" TEXT,
    "createdAt" DATETIME NOT NULL,
    "seq" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "ExtensionRequest_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "Task" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_ExtensionRequest" ("createdAt", "currentDueDate", "decidedAt", "decidedById", "decisionReason", "id", "reason", "requestedById", "requestedDueDate", "status", "taskId") SELECT "createdAt", "currentDueDate", "decidedAt", "decidedById", "decisionReason", "id", "reason", "requestedById", "requestedDueDate", "status", "taskId" FROM "ExtensionRequest";
DROP TABLE "ExtensionRequest";
ALTER TABLE "new_ExtensionRequest" RENAME TO "ExtensionRequest";
CREATE INDEX "ExtensionRequest_taskId_seq_idx" ON "ExtensionRequest"("taskId", "seq");
CREATE INDEX "ExtensionRequest_taskId_idx" ON "ExtensionRequest"("taskId");
CREATE TABLE "new_Instruction" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "taskId" TEXT NOT NULL,
    "authorId" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "seq" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "Instruction_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "Task" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Instruction" ("authorId", "createdAt", "id", "taskId", "text") SELECT "authorId", "createdAt", "id", "taskId", "text" FROM "Instruction";
DROP TABLE "Instruction";
ALTER TABLE "new_Instruction" RENAME TO "Instruction";
CREATE INDEX "Instruction_taskId_seq_idx" ON "Instruction"("taskId", "seq");
CREATE INDEX "Instruction_taskId_idx" ON "Instruction"("taskId");
CREATE TABLE "new_ProgressReport" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "taskId" TEXT NOT NULL,
    "roundId" TEXT,
    "departmentId" TEXT NOT NULL,
    "authorId" TEXT NOT NULL,
    "kind" TEXT NOT NULL DEFAULT 'REPORT',
    "progress" INTEGER NOT NULL,
    "narrative" TEXT NOT NULL,
    "problems" TEXT,
    "nextSteps" TEXT,
    "submittedAt" DATETIME NOT NULL,
    "onTime" BOOLEAN NOT NULL DEFAULT true,
    "seq" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "ProgressReport_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "Task" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "ProgressReport_roundId_fkey" FOREIGN KEY ("roundId") REFERENCES "SupervisionRound" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "ProgressReport_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_ProgressReport" ("authorId", "departmentId", "id", "kind", "narrative", "nextSteps", "onTime", "problems", "progress", "roundId", "submittedAt", "taskId") SELECT "authorId", "departmentId", "id", "kind", "narrative", "nextSteps", "onTime", "problems", "progress", "roundId", "submittedAt", "taskId" FROM "ProgressReport";
DROP TABLE "ProgressReport";
ALTER TABLE "new_ProgressReport" RENAME TO "ProgressReport";
CREATE INDEX "ProgressReport_taskId_seq_idx" ON "ProgressReport"("taskId", "seq");
CREATE INDEX "ProgressReport_taskId_submittedAt_idx" ON "ProgressReport"("taskId", "submittedAt");
CREATE INDEX "ProgressReport_roundId_idx" ON "ProgressReport"("roundId");
CREATE TABLE "new_Task" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "planId" TEXT NOT NULL,
    "sectionId" TEXT,
    "path" TEXT NOT NULL,
    "sortOrder" INTEGER NOT NULL DEFAULT 0,
    "title" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "leadDepartmentId" TEXT,
    "status" TEXT NOT NULL DEFAULT 'DRAFT',
    "health" TEXT,
    "escalationLevel" INTEGER NOT NULL DEFAULT 0,
    "dueDate" TEXT,
    "deadlineText" TEXT,
    "recurrence" TEXT,
    "progress" INTEGER NOT NULL DEFAULT 0,
    "needsAssignment" BOOLEAN NOT NULL DEFAULT false,
    "assignedAt" DATETIME,
    "acknowledgedAt" DATETIME,
    "closedAt" DATETIME,
    "cancelReason" TEXT,
    "workflowId" TEXT,
    "projectionSeq" INTEGER NOT NULL DEFAULT 0,
    "projectionAttempt" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Task_planId_fkey" FOREIGN KEY ("planId") REFERENCES "Plan" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Task_sectionId_fkey" FOREIGN KEY ("sectionId") REFERENCES "Section" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Task_leadDepartmentId_fkey" FOREIGN KEY ("leadDepartmentId") REFERENCES "Department" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Task" ("acknowledgedAt", "assignedAt", "cancelReason", "closedAt", "createdAt", "deadlineText", "dueDate", "escalationLevel", "health", "id", "leadDepartmentId", "needsAssignment", "path", "planId", "progress", "projectionSeq", "recurrence", "sectionId", "sortOrder", "status", "text", "title", "updatedAt", "workflowId") SELECT "acknowledgedAt", "assignedAt", "cancelReason", "closedAt", "createdAt", "deadlineText", "dueDate", "escalationLevel", "health", "id", "leadDepartmentId", "needsAssignment", "path", "planId", "progress", "projectionSeq", "recurrence", "sectionId", "sortOrder", "status", "text", "title", "updatedAt", "workflowId" FROM "Task";
DROP TABLE "Task";
ALTER TABLE "new_Task" RENAME TO "Task";
CREATE UNIQUE INDEX "Task_workflowId_key" ON "Task"("workflowId");
CREATE INDEX "Task_planId_status_idx" ON "Task"("planId", "status");
CREATE INDEX "Task_leadDepartmentId_status_idx" ON "Task"("leadDepartmentId", "status");
CREATE INDEX "Task_health_idx" ON "Task"("health");
CREATE INDEX "Task_dueDate_idx" ON "Task"("dueDate");
CREATE UNIQUE INDEX "Task_planId_path_key" ON "Task"("planId", "path");
CREATE TABLE "new_TaskEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "taskId" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "actorId" TEXT,
    "actorRole" TEXT,
    "kind" TEXT NOT NULL,
    "fromStatus" TEXT,
    "toStatus" TEXT,
    "reason" TEXT,
    "data" TEXT NOT NULL DEFAULT '{}',
    "seq" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "TaskEvent_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "Task" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_TaskEvent" ("actorId", "actorRole", "at", "data", "fromStatus", "id", "kind", "reason", "taskId", "toStatus") SELECT "actorId", "actorRole", "at", "data", "fromStatus", "id", "kind", "reason", "taskId", "toStatus" FROM "TaskEvent";
DROP TABLE "TaskEvent";
ALTER TABLE "new_TaskEvent" RENAME TO "TaskEvent";
CREATE INDEX "TaskEvent_taskId_seq_idx" ON "TaskEvent"("taskId", "seq");
CREATE INDEX "TaskEvent_taskId_at_idx" ON "TaskEvent"("taskId", "at");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "Plan_sourceHash_idx" ON "Plan"("sourceHash");
