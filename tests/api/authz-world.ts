// The fixture of tests/api/authz-schema.test.ts: three departments, a user per role, three tasks with
// every kind of row, and the server; one state object filled in by setupAuthzWorld() (beforeAll).
import { canSeeTask, type AccessActor } from '../../domain/access.ts';
import type { Role, TaskStatus } from '../../domain/types.ts';
import { createEventBus, type EventBus } from '../../api/events.ts';
import { startServer, type RunningServer } from '../../api/server.ts';
import { hashPassword } from '../../api/auth.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import { freshDatabase, postGraphQL, type GraphQLResponse } from '../support/harness.ts';
import { sessionTokens } from './sessions.ts';

export const ROLES = ['anonymous', 'none', 'coop', 'lead', 'supervisor', 'office', 'admin'] as const;
export type RoleName = (typeof ROLES)[number];

export interface AuthzWorld {
  prisma: PrismaClient;
  server: RunningServer;
  events: EventBus;
  tokens: Partial<Record<RoleName, string>>;
  users: Partial<Record<RoleName, { id: string; role: Role; departmentId: string | null }>>;
  ids: { plan: string; round: string; tasks: string[] };
  /** The access facts of each task, for canSeeTask. */
  accessOf: Map<string, { status: TaskStatus; leadDepartmentId: string | null; cooperatingDepartmentIds: string[] }>;
}

/** The one fixture state; prisma, server and events are set by setupAuthzWorld(). */
export const world = {
  tokens: {},
  users: {},
  ids: { plan: '', round: '', tasks: [] },
  accessOf: new Map(),
} as unknown as AuthzWorld;
const { tokens, users, ids, accessOf } = world;

export const gql = (query: string, variables: Record<string, unknown>, role: RoleName): Promise<GraphQLResponse> =>
  postGraphQL(world.server.url, query, variables, tokens[role]);

function actorOf(role: RoleName): AccessActor | null {
  const u = users[role];
  return u ? { userId: u.id, role: u.role, departmentId: u.departmentId } : null;
}
export const sees = (role: RoleName, taskId: string) => canSeeTask(actorOf(role), accessOf.get(taskId)!);

export async function setupAuthzWorld(): Promise<void> {
  const db = await freshDatabase();
  const prisma = db.prisma;
  world.prisma = prisma;
  world.events = createEventBus();
  const passwordHash = await hashPassword('test-password');
  const [L, C, N] = await Promise.all(
    ['牵头局', '配合局', '无关局'].map((name, i) => prisma.department.create({ data: { name, sortOrder: i } })),
  );
  const people: [RoleName, Role, string | null][] = [
    ['none', 'DEPARTMENT', N!.id],
    ['coop', 'DEPARTMENT', C!.id],
    ['lead', 'DEPARTMENT', L!.id],
    ['supervisor', 'SUPERVISOR', null],
    ['office', 'OFFICE', null],
    ['admin', 'ADMIN', null],
  ];
  for (const [name, role, departmentId] of people) {
    const u = await prisma.user.create({
      data: { username: name, displayName: `${name}用户`, role, departmentId, passwordHash },
    });
    users[name] = { id: u.id, role, departmentId };
  }
  const plan = await prisma.plan.create({ data: { title: '权限测试方案', sourceText: '…' } });
  ids.plan = plan.id;
  const section = await prisma.section.create({
    data: { planId: plan.id, path: '一', numbering: '一、', title: '重点任务', depth: 1, sortOrder: 0 },
  });
  await prisma.planTarget.create({ data: { planId: plan.id, text: '覆盖率达到90%' } });
  const round = await prisma.supervisionRound.create({
    data: {
      planId: plan.id,
      year: 2026,
      quarter: 1,
      opensAt: new Date('2026-03-31T00:00:00Z'),
      reportDueDate: '2026-04-10',
      status: 'CLOSED',
      closedAt: new Date('2026-04-11T00:00:00Z'),
    },
  });
  ids.round = round.id;
  for (const d of [L!, N!]) {
    await prisma.roundEvaluationRow.create({
      data: {
        roundId: round.id,
        departmentId: d.id,
        onTimeRate: 1,
        onTrack: 1,
        atRisk: 0,
        overdue: 1,
        completed: 0,
        attainment: 0.5,
        score: 80,
        rank: d === L ? 1 : 2,
      },
    });
  }
  // T1: led by 牵头局 with 配合局; T2: led by 无关局 alone; T3: not yet assigned.
  const specs = [
    { title: '任务一', lead: L!.id, coop: [C!.id], status: 'IN_PROGRESS', health: 'RED' },
    { title: '任务二', lead: N!.id, coop: [], status: 'IN_PROGRESS', health: 'RED' },
    { title: '任务三', lead: null, coop: [], status: 'DRAFT', health: null },
  ] as const;
  for (const [i, s] of specs.entries()) {
    const task = await prisma.task.create({
      data: {
        planId: plan.id,
        sectionId: section.id,
        path: `一、(${i + 1})`,
        sortOrder: i,
        title: s.title,
        text: `${s.title}的内容`,
        leadDepartmentId: s.lead,
        status: s.status,
        health: s.health,
        dueDate: '2026-03-31',
        assignedAt: s.lead ? new Date('2026-01-05T00:00:00Z') : null,
        cooperators: { create: s.coop.map((departmentId) => ({ departmentId })) },
      },
    });
    ids.tasks.push(task.id);
    accessOf.set(task.id, {
      status: s.status as TaskStatus,
      leadDepartmentId: s.lead,
      cooperatingDepartmentIds: [...s.coop],
    });
    const at = new Date('2026-04-01T00:00:00Z');
    const author = s.lead === L!.id ? users.lead! : users.none!;
    await prisma.milestone.create({ data: { taskId: task.id, text: '节点', dueDate: '2026-02-28' } });
    const indicator = await prisma.indicator.create({
      data: { taskId: task.id, text: '覆盖率', metric: 'coverage', comparator: 'GTE', targetValue: 90 },
    });
    const report = await prisma.progressReport.create({
      data: {
        id: `report-${i}`,
        taskId: task.id,
        roundId: round.id,
        departmentId: s.lead ?? L!.id,
        authorId: author.id,
        progress: 40,
        narrative: `${s.title}进展`,
        submittedAt: at,
      },
    });
    await prisma.indicatorActual.create({
      data: { indicatorId: indicator.id, reportId: report.id, value: 50, recordedAt: at },
    });
    await prisma.extensionRequest.create({
      data: {
        id: `ext-${i}`,
        taskId: task.id,
        requestedById: author.id,
        requestedDueDate: '2026-06-30',
        reason: '理由',
        createdAt: at,
      },
    });
    await prisma.closureReview.create({
      data: {
        id: `closure-${i}`,
        taskId: task.id,
        requestedById: author.id,
        summary: '总结',
        status: 'RETURNED',
        createdAt: at,
      },
    });
    for (const [kind, attach] of [
      ['report', { reportId: report.id }],
      ['closure', { closureId: `closure-${i}` }],
    ] as const) {
      await prisma.evidence.create({
        data: {
          id: `evidence-${kind}-${i}`,
          taskId: task.id,
          sha256: '0'.repeat(64),
          name: `${kind}.pdf`,
          mime: 'application/pdf',
          size: 10,
          uploaderId: author.id,
          uploaderDepartmentId: s.lead ?? L!.id,
          ...attach,
        },
      });
    }
    await prisma.instruction.create({
      data: { id: `instruction-${i}`, taskId: task.id, authorId: users.supervisor!.id, text: '批示', createdAt: at },
    });
    await prisma.taskEvent.create({
      data: { id: `event-${i}`, taskId: task.id, at, actorId: users.office!.id, actorRole: 'OFFICE', kind: 'CREATED' },
    });
    await prisma.supervisionOrder.create({
      data: {
        id: `order-${i}`,
        planId: task.planId,
        taskId: task.id,
        year: 2026,
        number: i + 1,
        docNumber: `〔2026〕${i + 1}号`,
        kind: 'LEVEL2',
        level: 2,
        departmentIds: JSON.stringify(task.leadDepartmentId ? [task.leadDepartmentId] : []),
        issuedOn: '2026-03-02',
        issuedAt: at,
        replyBy: '2026-03-05',
        repliedById: author.id,
        closedById: users.office!.id,
      },
    });
    await prisma.notice.create({
      data: {
        id: `notice-${i}`,
        taskId: task.id,
        roundId: round.id,
        kind: 'LEVEL1',
        level: 1,
        fireAt: at,
        sentAt: at,
        status: 'SENT',
      },
    });
  }
  // Each user has a notification about a task they may see.
  for (const role of ['none', 'coop', 'lead', 'supervisor', 'office', 'admin'] as const) {
    const i = role === 'none' ? 1 : 0;
    await prisma.notification.create({
      data: {
        id: `notification-${role}`,
        userId: users[role]!.id,
        noticeId: `notice-${i}`,
        title: '督办',
        body: '请推进',
      },
    });
  }
  world.server = await startServer(
    { prisma, config: db.config, temporal: undefined, events: world.events },
    { port: 0, host: '127.0.0.1', feedIntervalMs: 60_000 },
  );
  const signedIn = ROLES.filter((r) => r !== 'anonymous');
  Object.assign(tokens, await sessionTokens(world.server.url, signedIn));
}

export async function teardownAuthzWorld(): Promise<void> {
  await world.server?.close();
  await world.prisma?.$disconnect();
}
