/**
 * importPlan through GraphQL (no Temporal needed: previews and refusals happen
 * before any workflow starts): the preview carries evidence, columns,
 * documents, past flags, Chinese warnings and the duplicate it would make; an
 * import without a title or of a document already imported is refused.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePlanText } from '../../services/import.ts';
import { savePlan } from '../../services/plans.ts';
import { startServer, type RunningServer } from '../../api/server.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import { freshDatabase, postGraphQL, seedOrg } from '../support/harness.ts';

const fixture = (dir: string, name: string) => fileURLToPath(new URL(`../fixtures/${dir}/${name}`, import.meta.url));

let prisma: PrismaClient;
let dir: string;
let server: RunningServer;
let token: string;

const PREVIEW = `__typename
  ... on MutationImportPlanSuccess { data { plan { id } preview {
    title issuedOn titleRequired warnings warningDetails { code message messageEn }
    columns { index header field fieldZh } columnsRole documents { index title tasks } documentIndex
    duplicateOf { id title }
    tasks { title lead cooperating deadlines { text date past } evidence { field text reason } } } } }
  ... on DubanError { code message messageEn }`;
const IMPORT = `mutation($text: String, $dry: Boolean, $title: String, $newVersion: Boolean, $documentIndex: Int) {
  importPlan(text: $text, dryRun: $dry, title: $title, newVersion: $newVersion, documentIndex: $documentIndex) { ${PREVIEW} } }`;

const gql = (variables: Record<string, unknown>) => postGraphQL(server.url, IMPORT, variables, token);

beforeAll(async () => {
  const db = await freshDatabase();
  prisma = db.prisma;
  dir = db.dir;
  await seedOrg(prisma, ['市卫健局']);
  server = await startServer({ prisma, config: db.config, temporal: undefined }, { port: 0, host: '127.0.0.1' });
  const login = await postGraphQL(
    server.url,
    `mutation { login(username: "office", password: "test-password") { ... on MutationLoginSuccess { data { token } } } }`,
  );
  token = login.data.login.data.token;
}, 60_000);

afterAll(async () => {
  await server?.close();
  await prisma?.$disconnect();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('importPlan (GraphQL)', () => {
  it('previews with per-task evidence, past flags and Chinese warnings', async () => {
    const text = fs.readFileSync(fixture('plans', 'anping-county-reform-tasks-2024.txt'), 'utf8');
    const r = await gql({ text, dry: true });
    const p = r.data.importPlan.data.preview;
    expect(p.title).toBe('安平县深化医药卫生体制改革2024年重点工作任务');
    expect(p.issuedOn).toBe('2024-04-08');
    expect(p.titleRequired).toBe(false);
    expect(p.duplicateOf).toBeNull();
    expect(p.tasks).toHaveLength(11);
    // Written in 2024: every dated deadline is past today.
    expect(p.tasks[0].deadlines).toEqual([{ text: '2024年6月底前', date: '2024-06-30', past: true }]);
    expect(p.tasks[0].evidence.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['task', 'lead', 'deadline']),
    );
    for (const w of p.warningDetails) expect(w.message).toMatch(/[\u4e00-\u9fa5]/);
    expect(p.warnings).toEqual(p.warningDetails.map((w: { message: string }) => w.message));
    expect(p.warningDetails.some((w: { code: string }) => w.code === 'PAST_DEADLINE')).toBe(true);
  });

  it('a compilation lists its documents and reads the one chosen', async () => {
    const text = fs.readFileSync(fixture('plans', 'linhe-health-documents-compilation-2024.txt'), 'utf8');
    const first = (await gql({ text, dry: true })).data.importPlan.data.preview;
    expect(first.documents.map((d: { tasks: number }) => d.tasks)).toEqual([4, 2]);
    expect(first.documentIndex).toBe(0);
    const second = (await gql({ text, dry: true, documentIndex: 1 })).data.importPlan.data.preview;
    expect(second.documentIndex).toBe(1);
    expect(second.tasks).toHaveLength(2);
  });

  it('an .xlsx 台账 uploaded shows its column mapping', async () => {
    const bytes = fs.readFileSync(fixture('plans', 'baiyun-district-reform-ledger-2024.xlsx'));
    const form = new FormData();
    form.set(
      'operations',
      JSON.stringify({
        query: `mutation($file: File, $fileName: String) { importPlan(file: $file, fileName: $fileName, dryRun: true) { ${PREVIEW} } }`,
        variables: { file: null, fileName: 'ledger.xlsx' },
      }),
    );
    form.set('map', JSON.stringify({ 0: ['variables.file'] }));
    form.set('0', new Blob([bytes]), 'ledger.xlsx');
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'x-duban-csrf': '1' },
      body: form,
    });
    const p = ((await res.json()) as { data: { importPlan: { data: { preview: any } } } }).data.importPlan.data.preview;
    expect(p.columnsRole).toBe('TABLE');
    expect(p.columns.map((c: { header: string; fieldZh: string }) => `${c.header}→${c.fieldZh}`)).toEqual([
      '编号→序号',
      '重点工作→任务名称',
      '工作措施及目标→具体内容',
      '责任单位→牵头单位',
      '协办单位→配合单位',
      '时间节点→完成时限',
      '进展情况→不导入',
    ]);
    expect(p.tasks).toHaveLength(7);
  });

  it('refuses to import a plan without a title (nothing written)', async () => {
    const text = '一、重点任务\n（一）加强乡镇卫生院建设。2027年底前完成8所乡镇卫生院提档升级。（县卫健局负责）';
    const dry = (await gql({ text, dry: true })).data.importPlan.data.preview;
    expect(dry.titleRequired).toBe(true);
    const r = await gql({ text, dry: false });
    expect(r.data.importPlan).toMatchObject({ __typename: 'DubanError', code: 'IMPORT_FAILED' });
    expect(r.data.importPlan.message).toContain('请填写方案标题');
    expect(await prisma.plan.count()).toBe(0);
  });

  it('refuses a document already imported unless confirmed as a new version', async () => {
    const text = fs.readFileSync(fixture('seeds', 'wafangdian-medical-alliance-plan-2017.txt'), 'utf8');
    const saved = await savePlan(prisma, parsePlanText(text), { text, format: 'txt' });
    const dry = (await gql({ text, dry: true })).data.importPlan.data.preview;
    expect(dry.duplicateOf).toEqual({ id: saved.planId, title: '瓦房店市医疗联合体建设实施方案' });
    const r = await gql({ text, dry: false });
    expect(r.data.importPlan).toMatchObject({ __typename: 'DubanError', code: 'IMPORT_FAILED' });
    expect(r.data.importPlan.message).toContain('该文件已导入过');
    expect(r.data.importPlan.messageEn).toContain('already imported');
    // Confirmed: past the duplicate check (this server has no Temporal, so it stops there).
    const confirmed = await gql({ text, dry: false, newVersion: true });
    expect(confirmed.data.importPlan.code).toBe('TEMPORAL_UNAVAILABLE');
    expect(await prisma.plan.count()).toBe(1);
  });
});
