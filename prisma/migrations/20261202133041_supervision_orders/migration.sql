-- CreateTable
CREATE TABLE "SupervisionOrder" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "planId" TEXT NOT NULL,
    "taskId" TEXT NOT NULL,
    "year" INTEGER NOT NULL,
    "number" INTEGER NOT NULL,
    "docNumber" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "level" INTEGER NOT NULL,
    "departmentIds" TEXT NOT NULL DEFAULT '[]',
    "reason" TEXT,
    "dueDate" TEXT,
    "daysOverdue" INTEGER NOT NULL DEFAULT 0,
    "progress" INTEGER NOT NULL DEFAULT 0,
    "lastReportAt" DATETIME,
    "issuedOn" TEXT NOT NULL,
    "issuedAt" DATETIME NOT NULL,
    "replyBy" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'ISSUED',
    "reply" TEXT,
    "repliedById" TEXT,
    "repliedAt" DATETIME,
    "closedAt" DATETIME,
    "closedById" TEXT,
    "seq" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "SupervisionOrder_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "Task" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_RoundEvaluationRow" (
    "roundId" TEXT NOT NULL,
    "departmentId" TEXT NOT NULL,
    "onTimeRate" REAL NOT NULL,
    "onTrack" INTEGER NOT NULL,
    "atRisk" INTEGER NOT NULL,
    "overdue" INTEGER NOT NULL,
    "completed" INTEGER NOT NULL,
    "attainment" REAL NOT NULL,
    "score" REAL NOT NULL,
    "rank" INTEGER NOT NULL,
    "breakdown" TEXT NOT NULL DEFAULT '[]',

    PRIMARY KEY ("roundId", "departmentId"),
    CONSTRAINT "RoundEvaluationRow_roundId_fkey" FOREIGN KEY ("roundId") REFERENCES "SupervisionRound" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "RoundEvaluationRow_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_RoundEvaluationRow" ("atRisk", "attainment", "completed", "departmentId", "onTimeRate", "onTrack", "overdue", "rank", "roundId", "score") SELECT "atRisk", "attainment", "completed", "departmentId", "onTimeRate", "onTrack", "overdue", "rank", "roundId", "score" FROM "RoundEvaluationRow";
DROP TABLE "RoundEvaluationRow";
ALTER TABLE "new_RoundEvaluationRow" RENAME TO "RoundEvaluationRow";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "SupervisionOrder_taskId_idx" ON "SupervisionOrder"("taskId");

-- CreateIndex
CREATE INDEX "SupervisionOrder_planId_status_idx" ON "SupervisionOrder"("planId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "SupervisionOrder_planId_year_number_key" ON "SupervisionOrder"("planId", "year", "number");
