-- AlterTable
ALTER TABLE "Task" ADD COLUMN "projectionOrder" TEXT NOT NULL DEFAULT '';
