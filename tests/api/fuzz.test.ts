/**
 * Fuzzing every mutation of the schema with generated bad input, against the
 * real worker on the embedded engine: wrong types, missing and unknown
 * arguments, impossible dates, out-of-range numbers, oversize strings, unknown
 * ids, wrong roles and every wrong state of every task command (both taken
 * from domain/access.ts). Each must answer a coded error whose message is
 * Chinese, and nothing may change: no workflow history event, no read-model
 * row, no notification, no failed workflow task.
 */
import { getNamedType, isInputObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../api/schema/index.ts';
import { FIELD_LABELS } from '../../api/messages.ts';
import type { GraphQLResponse } from '../support/harness.ts';
import { BASES, casesFor } from './fuzz-cases.ts';
import { gql, histories, readModel, setupFuzzWorld, teardownFuzzWorld, world } from './fuzz-world.ts';

const { tokens, T } = world;

beforeAll(setupFuzzWorld, 180_000);

afterAll(teardownFuzzWorld);

interface Answer {
  code: string | null;
  message: string;
  accepted: boolean;
}

function answerOf(r: GraphQLResponse, field: string): Answer {
  const e = r.errors?.[0];
  if (e) return { code: e.extensions?.code ?? null, message: e.message, accepted: false };
  const v = r.data?.[field];
  if (v && typeof v === 'object' && v.__typename === 'DubanError')
    return { code: v.code, message: v.message, accepted: false };
  return { code: null, message: JSON.stringify(v), accepted: true };
}

/** Chinese, coded, no library or English text: what remains after the allowed ASCII tokens has no word in it. */
function problemWith(a: Answer): string | null {
  if (a.accepted) return `accepted: ${a.message.slice(0, 200)}`;
  if (!a.code) return `no code: ${a.message}`;
  if (a.code === 'INTERNAL') return `internal error: ${a.message}`;
  if (/Unexpected error/i.test(a.message)) return `"Unexpected error.": ${a.message}`;
  if (!/[\u4e00-\u9fff]/.test(a.message)) return `not Chinese: ${a.message}`;
  const rest = a.message
    .replace(/\$\w+/g, '')
    .replace(/YYYY-MM-DD|HH:MM|\d{4}-Q\d|JSON|MB|Word|Excel|\.(docx|xlsx|csv|txt|md)\b/g, '');
  if (/[A-Za-z]{3,}/.test(rest)) return `English in the message: ${a.message}`;
  return null;
}

describe('every mutation, fuzzed', () => {
  it('answers every bad input with a coded Chinese error and changes nothing', async () => {
    const mutations = Object.keys(schema.getMutationType()!.getFields());
    expect(
      mutations.filter((m) => !BASES[m]),
      'mutations without a base call in fuzz-cases.ts',
    ).toEqual([]);
    const problems: string[] = [];
    const start = await histories();
    expect(start.failed, 'failed workflow tasks before fuzzing').toEqual([]);
    let total = 0;
    const perMutation: Record<string, number> = {};
    for (const field of mutations) {
      const cases = await casesFor(field, BASES[field]!);
      const before = await histories();
      for (const c of cases) {
        const model = await readModel();
        const r = await gql(c.document, c.variables, c.role);
        const a = answerOf(r, field);
        const where = `${field} ${c.label} (as ${c.role})`;
        const p = problemWith(a);
        if (p) problems.push(`${where}: ${p}`);
        else if (c.expect && a.code !== c.expect) problems.push(`${where}: ${a.code} where the rule says ${c.expect}`);
        if ((await readModel()) !== model) problems.push(`${where}: changed the read model`);
        total++;
      }
      perMutation[field] = cases.length;
      const after = await histories();
      if (JSON.stringify(after.lengths) !== JSON.stringify(before.lengths)) {
        const grew = Object.keys(after.lengths).filter((k) => after.lengths[k] !== before.lengths[k]);
        problems.push(`${field}: workflow histories changed: ${grew.join(', ')}`);
      }
      const failed = after.failed.filter((w) => !before.failed.includes(w));
      if (failed.length) problems.push(`${field}: failed workflow tasks in ${failed.join(', ')}`);
    }
    console.info(`fuzz: ${mutations.length} mutations, ${total} bad inputs`, perMutation);
    expect(problems).toEqual([]);
  }, 600_000);
});

describe('the findings of issue 11', () => {
  const report = `mutation($t: ID!, $p: Int!) { submitProgressReport(taskId: $t, progress: $p, narrative: "进展") {
    __typename ... on DubanError { code message messageEn } } }`;

  it('names every argument and input field in Chinese (validation messages name the field)', () => {
    const names = new Set<string>();
    const visitInput = (t: ReturnType<typeof getNamedType>) => {
      if (!isInputObjectType(t)) return;
      for (const f of Object.values(t.getFields())) {
        if (!names.has(f.name)) {
          names.add(f.name);
          visitInput(getNamedType(f.type));
        }
      }
    };
    for (const root of [schema.getQueryType()!, schema.getMutationType()!, schema.getSubscriptionType()!]) {
      for (const f of Object.values(root.getFields())) {
        for (const a of f.args) {
          names.add(a.name);
          visitInput(getNamedType(a.type));
        }
      }
    }
    // Ids, flags and enums are never named by a validation message; every other input is.
    const unnamed = [...names].filter((n) => !FIELD_LABELS[n] && !/(^id|Id|Ids)$/.test(n));
    const flags = ['dryRun', 'newVersion', 'approve', 'official', 'unreadOnly', 'active', 'needsAssignment'];
    const enums = ['role', 'sort', 'status', 'health', 'file', 'filter', 'settings', 'indicatorValues', 'ids'];
    const paging = ['after', 'before', 'last'];
    expect(unnamed.filter((n) => ![...flags, ...enums, ...paging].includes(n))).toEqual([]);
  });

  it('answers a variable of the wrong type ($p: Int! given "sixty") with a coded Chinese error', async () => {
    const r = await gql(report, { t: T.progress, p: 'sixty' }, 'lead');
    expect(r.errors?.[0]).toMatchObject({
      message: '参数 $p 的值无效（应为数字）。',
      extensions: { code: 'INVALID_INPUT' },
    });
  });

  it("refuses a command on a closed task in the rule's words, also while the read model still says it is open", async () => {
    const closed = await gql(report, { t: T.closed, p: 10 }, 'lead');
    expect(closed.data.submitProgressReport).toMatchObject({
      code: 'INVALID_STATE',
      message: '任务已办结，不能再提交进展。',
    });
    // The projection lags: the read model says IN_PROGRESS, the workflow has ended (WorkflowNotFound / completed).
    await world.prisma.task.update({ where: { id: T.lagging }, data: { status: 'IN_PROGRESS' } });
    const events = await world.prisma.taskEvent.count({ where: { taskId: T.lagging } });
    const lagging = await gql(report, { t: T.lagging, p: 10 }, 'lead');
    expect(lagging.data.submitProgressReport).toMatchObject({
      code: 'INVALID_STATE',
      message: '任务已办结，不能再提交进展。',
    });
    expect(await world.prisma.taskEvent.count({ where: { taskId: T.lagging } })).toBe(events);
    await world.prisma.task.update({ where: { id: T.lagging }, data: { status: 'CLOSED' } });
  });

  it('answers bad query arguments the same way (negative page size, impossible dates, wrong types)', async () => {
    const calls: [string, Record<string, unknown>, string][] = [
      ['query($n: Int) { tasks(first: $n) { edges { node { taskId } } } }', { n: -1 }, 'tasks'],
      ['query($d: String) { tasks(filter: { dueFrom: $d }) { totalCount } }', { d: '2026-02-30' }, 'tasks'],
      ['query($s: String) { tasks(filter: { search: $s }) { totalCount } }', { s: '长'.repeat(101) }, 'tasks'],
      [
        'query($d: String) { previewEscalation(assigned: "2026-01-05", due: $d) { key } }',
        { d: '2028-02-30' },
        'previewEscalation',
      ],
      ['query($n: Int) { notifications(limit: $n) { id } }', { n: 'sixty' }, 'notifications'],
      ['query($id: ID!) { task(id: $id) { title } }', { id: { not: 'an id' } }, 'task'],
    ];
    for (const [query, variables, field] of calls) {
      const a = answerOf(await gql(query, variables, 'office'), field);
      expect(problemWith(a), `${query} ${JSON.stringify(variables).slice(0, 60)}`).toBeNull();
    }
  });

  it('answers NOT_INVOLVED to a department that neither leads nor cooperates', async () => {
    const r = await gql(report, { t: T.progress, p: 10 }, 'none');
    expect(r.data.submitProgressReport).toMatchObject({
      code: 'NOT_INVOLVED',
      message: '贵单位不是该任务的牵头或配合单位。',
    });
  });

  it('refuses a corrupt .docx upload with a Chinese IMPORT_FAILED, no library text', async () => {
    const form = new FormData();
    form.append(
      'operations',
      JSON.stringify({
        query: `mutation($f: File!) { importPlan(file: $f, fileName: "broken.docx", dryRun: true) {
          __typename ... on DubanError { code message messageEn } } }`,
        variables: { f: null },
      }),
    );
    form.append('map', JSON.stringify({ 0: ['variables.f'] }));
    form.append('0', new Blob([Buffer.from('PK\u0003\u0004 not really a zip', 'latin1')]), 'broken.docx');
    const res = await fetch(`${world.server.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.office}` },
      body: form,
    });
    const body = (await res.json()) as GraphQLResponse;
    const a = answerOf(body, 'importPlan');
    expect(a.code).toBe('IMPORT_FAILED');
    expect(problemWith(a)).toBeNull();
    expect(a.message).not.toMatch(/zip|central directory|Corrupted/i);
  });
});
