-- CreateIndex
CREATE INDEX "Notification_createdAt_idx" ON "Notification"("createdAt");

-- CreateIndex
CREATE INDEX "Task_planId_leadDepartmentId_status_health_idx" ON "Task"("planId", "leadDepartmentId", "status", "health");

-- CreateIndex
CREATE INDEX "Task_planId_health_idx" ON "Task"("planId", "health");

-- CreateIndex
CREATE INDEX "Task_updatedAt_idx" ON "Task"("updatedAt");
