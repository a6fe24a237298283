/**
 * Schema-driven authorization. The test walks the built schema: every Query
 * and Subscription field is called as anonymous, a department that neither
 * leads nor cooperates, a cooperating department, the lead department, a
 * supervisor, the office and an admin, with a selection generated from the
 * schema that reaches every field returning task data. Every object that
 * comes back is traced to its task through the Prisma datamodel and must be
 * one the reader may see by `canSeeTask` (domain/access.ts); what an
 * all-seeing reader gets, filtered by that rule, is exactly what each role
 * gets. The rule per type comes from the read table in api/README.md, which
 * must name every type the schema can return: a new field or type that is
 * not covered fails here without anyone adding a case.
 */
import ExcelJS from 'exceljs';
import { getNamedType, isInterfaceType, isObjectType, type GraphQLObjectType } from 'graphql';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessTableMarkdown } from '../../domain/access.ts';
import { label, taskLight } from '../../domain/vocabulary.ts';
import { schema } from '../../api/schema/index.ts';
import type { GraphQLResponse } from '../support/harness.ts';
import {
  README,
  READ_RULES,
  between,
  collect,
  coveredEdges,
  possibleTypes,
  prismaModelOf,
  reachableTypes,
  rootSelection,
  roots,
  taskPath,
  unreachableArgs,
  type Seen,
} from './authz-walk.ts';
import { ROLES, gql, sees, setupAuthzWorld, teardownAuthzWorld, world, type RoleName } from './authz-world.ts';

const { tokens, users, ids, accessOf } = world;

beforeAll(setupAuthzWorld, 60_000);

afterAll(teardownAuthzWorld);

/** The root field calls to make: every field of Query, with arguments for each case. */
interface Call {
  field: string;
  args: Record<string, unknown>;
  /** The task the answer is about (previewEscalation's PlannedNotices carry no id). */
  about?: string;
  /** The answer is about no task at all (previewEscalation for given dates). */
  noTask?: true;
}

function calls(): Call[] {
  const [t1, t2, t3] = ids.tasks as [string, string, string];
  const global = (id: string) => encodeGlobalID('Task', id);
  const byField: Record<string, Call[]> = {
    me: [{ field: 'me', args: {} }],
    health: [{ field: 'health', args: {} }],
    departments: [{ field: 'departments', args: {} }],
    plans: [{ field: 'plans', args: {} }],
    plan: [{ field: 'plan', args: { id: ids.plan } }],
    users: [{ field: 'users', args: {} }],
    calendarOverrides: [{ field: 'calendarOverrides', args: {} }],
    notifications: [{ field: 'notifications', args: {} }],
    supervisionRounds: [
      { field: 'supervisionRounds', args: {} },
      { field: 'supervisionRounds', args: { planId: ids.plan } },
    ],
    round: [{ field: 'round', args: { id: ids.round } }],
    supervisionOrders: [
      { field: 'supervisionOrders', args: {} },
      { field: 'supervisionOrders', args: { planId: ids.plan } },
    ],
    dashboard: [
      { field: 'dashboard', args: {} },
      { field: 'dashboard', args: { planId: ids.plan } },
    ],
    tasks: [
      { field: 'tasks', args: {} },
      { field: 'tasks', args: { filter: { planId: ids.plan } } },
    ],
    task: [t1, t2, t3].flatMap((t) => [
      { field: 'task', args: { id: t }, about: t },
      { field: 'task', args: { id: global(t) }, about: t },
    ]),
    node: [t1, t2, t3].map((t) => ({ field: 'node', args: { id: global(t) }, about: t })),
    nodes: [{ field: 'nodes', args: { ids: [t1, t2, t3].map(global) } }],
    actingFor: [{ field: 'actingFor', args: {} }],
    myDelegations: [{ field: 'myDelegations', args: {} }],
    delegations: [
      { field: 'delegations', args: {} },
      { field: 'delegations', args: { active: true } },
    ],
    delegationColleagues: [{ field: 'delegationColleagues', args: {} }],
    previewEscalation: [
      ...[t1, t2, t3].map((t) => ({ field: 'previewEscalation', args: { taskId: t }, about: t })),
      { field: 'previewEscalation', args: { taskId: global(t1) }, about: t1 },
      { field: 'previewEscalation', args: { assigned: '2026-01-05', due: '2026-03-31' }, noTask: true },
    ],
  };
  const fields = Object.keys(schema.getQueryType()!.getFields());
  const missing = fields.filter((f) => !byField[f]);
  expect(missing, 'Query fields without a case in authz-schema.test.ts').toEqual([]);
  return fields.flatMap((f) => byField[f]!);
}

const ARG_TYPES: Record<string, string> = {};
function documentFor(call: Call): string {
  const root = schema.getQueryType()!;
  const field = root.getFields()[call.field]!;
  const params = Object.keys(call.args).map((name) => {
    const arg = field.args.find((a) => a.name === name)!;
    ARG_TYPES[`${call.field}.${name}`] = String(arg.type);
    return `$${name}: ${String(arg.type)}`;
  });
  const args = Object.keys(call.args).map((name) => `${name}: $${name}`);
  return `query${params.length ? `(${params.join(', ')})` : ''} { ${call.field}${args.length ? `(${args.join(', ')})` : ''} ${rootSelection(root, field)} }`;
}

/** What the rule says a role gets from a call: an error code, or data. */
function expectedError(call: Call, role: RoleName): string | null {
  if (role === 'anonymous') return ['me', 'health'].includes(call.field) ? null : 'UNAUTHENTICATED';
  const type = getNamedType(schema.getQueryType()!.getFields()[call.field]!.type);
  const rule = READ_RULES.get(type.name);
  if (rule === 'ADMIN' && call.field !== 'me' && users[role]!.role !== 'ADMIN') return 'FORBIDDEN';
  // A task you may not see is absent: previewEscalation(taskId) says NOT_FOUND.
  if (call.field === 'previewEscalation' && call.about && !sees(role, call.about)) return 'NOT_FOUND';
  return null;
}

describe('api/README.md states the access rule the code enforces', () => {
  it('prints the role table generated by accessTableMarkdown()', () => {
    expect(between(README, 'access-table')).toBe(accessTableMarkdown());
  });

  it('names a read rule for every type a query or subscription can return, TASK exactly for task data', () => {
    const reachable = [...reachableTypes()].filter((t) => !t.startsWith('__'));
    expect(
      reachable.filter((t) => !READ_RULES.has(t)),
      'types missing from the read table',
    ).toEqual([]);
    expect(
      [...READ_RULES.values()].every((r) =>
        ['TASK', 'OWN', 'SIGNED_IN', 'ADMIN', 'OFFICE', 'PUBLIC', 'READER'].includes(r),
      ),
    ).toBe(true);
    // Every Prisma-backed type whose rows belong to a task (by the datamodel's foreign keys) is TASK or OWN.
    for (const name of reachable) {
      const model = prismaModelOf(schema.getType(name) as GraphQLObjectType);
      if (!model) continue;
      const holdsTaskData = taskPath(model) !== null;
      const rule = READ_RULES.get(name)!;
      expect(
        holdsTaskData ? ['TASK', 'OWN'] : ['SIGNED_IN', 'ADMIN', 'OFFICE', 'PUBLIC'],
        `${name} (${model})`,
      ).toContain(rule);
    }
  });
});

describe('every query field, as every role', () => {
  it('returns each role exactly the task data canSeeTask allows, nothing of tasks it may not see', async () => {
    const all = calls();
    const documents = all.map(documentFor);
    // Every field that returns task data, anywhere in the schema, is reached by some generated selection.
    for (const root of roots.slice(1)) for (const f of Object.values(root.getFields())) rootSelection(root, f);
    const reachable = reachableTypes();
    const taskEdges: string[] = [];
    for (const name of reachable) {
      const t = schema.getType(name) as GraphQLObjectType;
      for (const f of Object.values(t.getFields())) {
        if (
          possibleTypes(getNamedType(f.type)).some(
            (p) => READ_RULES.get(p.name) === 'TASK' || READ_RULES.get(p.name) === 'OWN',
          )
        )
          taskEdges.push(`${name}.${f.name}`);
      }
    }
    expect(unreachableArgs, 'fields with required arguments below the root').toEqual([]);
    expect(
      taskEdges.filter((e) => !coveredEdges.has(e)),
      'task-data fields no generated query reaches',
    ).toEqual([]);

    const table: string[] = [];
    let checks = 0;
    const typesSeen = new Set<string>();
    for (const [i, call] of all.entries()) {
      const results = new Map<RoleName, { r: GraphQLResponse; seen: Seen }>();
      const type = schema.getQueryType()!;
      for (const role of ROLES) {
        const r = await gql(documents[i]!, call.args, role);
        const data = r.data?.[call.field];
        const fieldType = getNamedType(type.getFields()[call.field]!.type);
        const seen =
          !call.noTask && (isObjectType(fieldType) || isInterfaceType(fieldType))
            ? await collect(world.prisma, data, possibleTypes(fieldType)[0]!, call.about ?? null)
            : { task: new Map(), via: new Map(), own: new Set<string>() };
        results.set(role, { r, seen });
      }
      const label = `${call.field}(${JSON.stringify(call.args)})`;
      // The all-seeing reader's answer, filtered by the rule, is what each role must get.
      const baseline = results.get('admin')!;
      expect(baseline.r.errors, `${label} as admin`).toBeUndefined();
      // Both id forms name the task (task, node, previewEscalation): the all-seeing reader gets it.
      if (call.about) expect(baseline.r.data[call.field], `${label} as admin`).not.toBeNull();
      for (const key of baseline.seen.task.keys()) typesSeen.add(key.split(':')[0]!);
      for (const role of ROLES) {
        const { r, seen } = results.get(role)!;
        const code = expectedError(call, role);
        const got = r.errors?.[0]?.extensions?.code ?? null;
        expect(got, `${label} as ${role}: ${JSON.stringify(r.errors)}`).toBe(code);
        if (code) {
          expect(r.data?.[call.field] ?? null, `${label} as ${role} answered data with its error`).toBeNull();
          checks++;
          table.push(`${label} ${role}: ${code}`);
          continue;
        }
        for (const [key, owner] of seen.task) {
          expect(owner.startsWith('?'), `${label} as ${role}: ${key} belongs to no known task`).toBe(false);
          expect(sees(role, owner), `${label} as ${role} leaked ${key} of a task it may not see`).toBe(true);
        }
        if (role !== 'anonymous') {
          // What the all-seeing reader got, less what belongs to (or hangs below) a task this role may not see.
          const expected = [...baseline.seen.task]
            .filter(
              ([k, owner]) => sees(role, owner) && baseline.seen.via.get(k)!.some((p) => p.every((t) => sees(role, t))),
            )
            .map(([k]) => k);
          if (call.field !== 'notifications') {
            expect([...seen.task.keys()].sort(), `${label} as ${role}`).toEqual(expected.sort());
          }
        }
        for (const id of seen.own) {
          const n = await world.prisma.notification.findUniqueOrThrow({ where: { id } });
          expect(n.userId, `${label} as ${role}: someone else's notification`).toBe(users[role]?.id);
        }
        if (call.field === 'notifications') {
          const own = await world.prisma.notification.findMany({ where: { userId: users[role]!.id } });
          expect([...seen.own].sort()).toEqual(own.map((n) => n.id).sort());
        }
        checks++;
        table.push(`${label} ${role}: ${seen.task.size} task rows`);
      }
      // Counts of tasks follow the same rule.
      if (call.field === 'tasks' || call.field === 'dashboard') {
        for (const role of ROLES.filter((r) => r !== 'anonymous')) {
          const visible = ids.tasks.filter((t) => sees(role, t));
          const data = results.get(role)!.r.data[call.field];
          if (call.field === 'tasks') expect(data.totalCount, `tasks.totalCount as ${role}`).toBe(visible.length);
          else {
            const total = data.departments.reduce((s: number, d: { total: number }) => s + d.total, 0);
            // Departments count the tasks they lead; T3 has no lead.
            expect(total, `dashboard totals as ${role}`).toBe(
              visible.filter((t) => accessOf.get(t)!.leadDepartmentId).length,
            );
          }
        }
      }
    }
    // The fixture exercises every TASK type the schema has (else the comparison above proves little).
    const taskTypes = [...reachable].filter(
      (t) => READ_RULES.get(t) === 'TASK' && prismaModelOf(schema.getType(t) as GraphQLObjectType),
    );
    expect(
      taskTypes.filter((t) => !typesSeen.has(t)),
      'TASK types the fixture never returned',
    ).toEqual([]);
    expect(typesSeen.has('PlannedNotice')).toBe(true);
    console.info(
      `authz: ${all.length} query calls × ${ROLES.length} roles = ${checks} checks; ${taskEdges.length} task-data fields covered`,
    );
  }, 120_000);
});

describe('subscriptions and exports', () => {
  async function subscribe(role: RoleName, query: string) {
    const controller = new AbortController();
    const res = await fetch(`${world.server.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        ...(tokens[role] ? { authorization: `Bearer ${tokens[role]}` } : {}),
      },
      body: JSON.stringify({ query }),
      signal: controller.signal,
    });
    const received: any[] = [];
    if (res.status === 200) {
      const reader = res.body!.getReader();
      void (async () => {
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
          if (done) return;
          buffer += new TextDecoder().decode(value);
          const lines = buffer.split('\n');
          buffer = lines.pop()!;
          for (const line of lines) {
            if (!line.startsWith('data: ')) continue;
            const payload = JSON.parse(line.slice(6));
            received.push(payload);
          }
        }
      })();
    }
    return {
      status: res.status,
      body: res.status === 200 ? null : await res.json(),
      received,
      close: () => controller.abort(),
    };
  }

  it('delivers every subscription only to whom the rule allows; anonymous streams are refused with 401', async () => {
    const sub = schema.getSubscriptionType()!;
    const fields = Object.keys(sub.getFields());
    expect(fields.sort()).toEqual(['notificationReceived', 'taskChanged']);
    const taskChanged = `subscription { taskChanged ${rootSelection(sub, sub.getFields().taskChanged!)} }`;
    const notificationReceived = `subscription { notificationReceived ${rootSelection(sub, sub.getFields().notificationReceived!)} }`;
    const open = await Promise.all(
      ROLES.flatMap((role) => [
        subscribe(role, taskChanged).then((s) => ({ role, kind: 'taskChanged', ...s })),
        subscribe(role, notificationReceived).then((s) => ({ role, kind: 'notificationReceived', ...s })),
      ]),
    );
    for (const s of open.filter((o) => o.role === 'anonymous')) {
      expect(s.status, `${s.kind} anonymous`).toBe(401);
      expect(s.body.errors[0]).toMatchObject({ message: '请先登录。', extensions: { code: 'UNAUTHENTICATED' } });
    }
    await new Promise((r) => setTimeout(r, 300));
    for (const t of ids.tasks) world.events.publish('taskChanged', { taskId: t, planId: ids.plan });
    for (const role of ROLES.filter((r) => r !== 'anonymous')) {
      world.events.publish('notificationReceived', { userId: users[role]!.id, notificationId: `notification-${role}` });
    }
    for (const s of open.filter((o) => o.role !== 'anonymous')) {
      const want = s.kind === 'taskChanged' ? ids.tasks.filter((t) => sees(s.role, t)).length : 1;
      await expect.poll(() => s.received.length, { timeout: 5000, message: `${s.kind} as ${s.role}` }).toBe(want);
    }
    await new Promise((r) => setTimeout(r, 300));
    for (const s of open.filter((o) => o.role !== 'anonymous')) {
      s.close();
      for (const payload of s.received) {
        expect(payload.errors, `${s.kind} as ${s.role}`).toBeUndefined();
        const seen = await collect(
          world.prisma,
          payload.data[s.kind],
          getNamedType(sub.getFields()[s.kind]!.type) as GraphQLObjectType,
          null,
        );
        for (const [key, owner] of seen.task) expect(sees(s.role, owner), `${s.kind} as ${s.role}: ${key}`).toBe(true);
        for (const id of seen.own) expect(id).toBe(`notification-${s.role}`);
      }
      if (s.kind === 'taskChanged') {
        expect(s.received.map((p) => p.data.taskChanged.taskId).sort()).toEqual(
          ids.tasks.filter((t) => sees(s.role, t)).sort(),
        );
      }
    }
  }, 30_000);

  it('exports the ledger with exactly the rows the reader may see, and a round to readers only', async () => {
    const titles = new Map(ids.tasks.map((t, i) => [t, ['任务一', '任务二', '任务三'][i]!]));
    for (const role of ROLES) {
      const headers: Record<string, string> = tokens[role] ? { authorization: `Bearer ${tokens[role]}` } : {};
      const ledger = await fetch(`${world.server.url}/export/ledger.xlsx?planId=${ids.plan}`, { headers });
      const round = await fetch(`${world.server.url}/export/round/${ids.round}.xlsx`, { headers });
      if (role === 'anonymous') {
        expect([ledger.status, round.status]).toEqual([401, 401]);
        continue;
      }
      expect(ledger.status).toBe(200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(Buffer.from(await ledger.arrayBuffer()) as any);
      const rows: string[] = [];
      const cells: string[][] = [];
      wb.getWorksheet('任务台账')!.eachRow((row, n) => {
        if (n === 1) return;
        rows.push(String(row.getCell(2).value));
        cells.push([String(row.getCell(6).value), String(row.getCell(7).value ?? '')]);
      });
      // Statuses and lights in the one vocabulary (domain/vocabulary.ts).
      const want2 = ids.tasks
        .filter((t) => sees(role, t))
        .map((t) => {
          const a = accessOf.get(t)!;
          const light = taskLight({
            status: a.status,
            health: a.status === 'DRAFT' ? null : 'RED',
            dueDate: '2026-03-31',
            leadDepartment: a.leadDepartmentId,
          });
          return [label('TASK_STATUS', a.status), light === 'NONE' ? '' : label('HEALTH', light)];
        });
      expect(cells, `ledger statuses and lights as ${role}`).toEqual(want2);
      const want = ids.tasks.filter((t) => sees(role, t)).map((t) => `【一、重点任务】${titles.get(t)}`);
      expect(rows, `ledger as ${role}`).toEqual(want);
      // READER (README): office, admin, supervisor.
      expect(round.status, `round export as ${role}`).toBe(users[role]!.role === 'DEPARTMENT' ? 403 : 200);
    }
  });
});
