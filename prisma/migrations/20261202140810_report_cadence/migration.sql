-- AlterTable
ALTER TABLE "ProgressReport" ADD COLUMN "dueOn" TEXT;

-- AlterTable
ALTER TABLE "Task" ADD COLUMN "reportCadence" TEXT;
