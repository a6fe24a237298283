/**
 * The demo a new user sees on first start: the Dehui county plan imported,
 * its tasks assigned to their departments (through the workflows, like any
 * office action), and one user per role — `admin`, `office`, `supervisor`,
 * and `dept01`, `dept02`, … in roster order — all with the demo password.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { hashPassword } from '../api/auth.ts';
import { parsePlanText } from '../activities/import.ts';
import { savePlan, startPlanWorkflows } from '../activities/plans.ts';
import type { PrismaClient } from '../prisma/client.ts';
import type { DubanConfig } from '../temporal.config.ts';
import { assignUpdate, taskWorkflowId } from '../workflows/definitions.ts';
import type { Actor } from '../workflows/types.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DEMO_PLAN = path.join(here, '..', 'prisma', 'demo', 'dehui-county-medical-community-plan-2023.txt');

export interface DemoUser {
  username: string;
  role: string;
  department?: string;
}

/** Seed the demo into an empty database; returns the users created (none when data exists). */
export async function seedDemo(prisma: PrismaClient, temporal: Client, config: DubanConfig): Promise<DemoUser[]> {
  if (!config.demo.enabled || (await prisma.plan.count()) > 0 || (await prisma.user.count()) > 0) return [];
  const text = fs.readFileSync(DEMO_PLAN, 'utf8');
  const parsed = parsePlanText(text, path.basename(DEMO_PLAN));
  const passwordHash = await hashPassword(config.demo.password);
  const users: DemoUser[] = [];
  const mk = async (username: string, displayName: string, role: string, departmentId: string | null = null) => {
    const u = await prisma.user.create({ data: { username, displayName, role, departmentId, passwordHash } });
    return u;
  };
  await mk('admin', '系统管理员', 'ADMIN');
  const office = await mk('office', '医管委办公室', 'OFFICE');
  await mk('supervisor', '分管领导', 'SUPERVISOR');
  users.push(
    { username: 'admin', role: 'ADMIN' },
    { username: 'office', role: 'OFFICE' },
    { username: 'supervisor', role: 'SUPERVISOR' },
  );

  const saved = await savePlan(prisma, parsed, { text, format: 'txt' }, { createdById: office.id });
  const roster = await prisma.department.findMany({ where: { name: { in: parsed.departments } } });
  for (const [i, name] of parsed.departments.entries()) {
    const dept = roster.find((d) => d.name === name);
    if (!dept) continue;
    const username = `dept${String(i + 1).padStart(2, '0')}`;
    await mk(username, `${name}联络员`, 'DEPARTMENT', dept.id);
    users.push({ username, role: 'DEPARTMENT', department: name });
  }

  const actor: Actor = { userId: office.id, role: 'OFFICE', departmentId: null };
  await startPlanWorkflows(temporal, config.temporal.taskQueue, saved, parsed.title ?? '', actor);
  for (const t of saved.tasks) {
    if (!t.leadDepartmentId) continue; // the office assigns these by hand: the text names no department
    await temporal.workflow.getHandle(taskWorkflowId(t.id)).executeUpdate(assignUpdate, {
      args: [
        {
          actor,
          leadDepartmentId: t.leadDepartmentId,
          cooperatingDepartmentIds: t.cooperatingDepartmentIds,
          reason: '演示数据：按方案交办',
        },
      ],
    });
  }
  return users;
}
