-- AlterTable
ALTER TABLE "Task" ADD COLUMN "responsibility" TEXT NOT NULL DEFAULT '{}';
