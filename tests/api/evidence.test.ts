/**
 * 佐证材料 through the API: upload, download and the GraphQL fields, every
 * path through the one access rule. Real HTTP server and SQLite; no workflow
 * engine (uploads and downloads need none, and the checks of submitted ids run
 * before a command is sent, so a command that passes them meets
 * TEMPORAL_UNAVAILABLE here; the ids reaching Evidence.reportId is the
 * workflow's and the projection's, tested with them).
 */
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { hashPassword } from '../../api/auth.ts';
import { contentDisposition } from '../../api/evidence.ts';
import { startServer, type RunningServer } from '../../api/server.ts';
import type { PrismaClient } from '../../prisma/client.ts';
import { freshDatabase, postGraphQL, seedOrg, type Org } from '../support/harness.ts';
import { sessionTokens } from './sessions.ts';

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82, 1, 2, 3]);
const pdf = (text = '') => new TextEncoder().encode(`%PDF-1.4\n${text}\n%%EOF\n`);

let prisma: PrismaClient;
let server: RunningServer;
let dataDir: string;
let org: Org;
const tokens: Record<string, string> = {};
/** T1: led by A with C cooperating; T2: led by A; T3: led by B. */
const T: Record<'t1' | 't2' | 't3', string> = { t1: '', t2: '', t3: '' };
let planId: string;

const gql = (query: string, variables: Record<string, unknown>, who: string) =>
  postGraphQL(server.url, query, variables, tokens[who]);

function form(files: { name: string; bytes: Uint8Array; type?: string }[]): FormData {
  const f = new FormData();
  for (const file of files)
    f.append(
      'file',
      new Blob([file.bytes as Uint8Array<ArrayBuffer>], { type: file.type ?? 'application/octet-stream' }),
      file.name,
    );
  return f;
}

async function upload(taskId: string, files: { name: string; bytes: Uint8Array }[], who: string | null = 'a') {
  const res = await fetch(`${server.url}/api/tasks/${encodeURIComponent(taskId)}/evidence`, {
    method: 'POST',
    headers: who ? { authorization: `Bearer ${tokens[who]}` } : {},
    body: form(files),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const download = (id: string, who: string | null) =>
  fetch(`${server.url}/export/evidence/${encodeURIComponent(id)}`, {
    headers: who ? { authorization: `Bearer ${tokens[who]}` } : {},
  });

/** Blob files under DATA_DIR/evidence and Evidence rows. */
async function stored() {
  const dir = path.join(dataDir, 'evidence');
  const files = fs.existsSync(dir)
    ? fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).length
    : 0;
  return { files, rows: await prisma.evidence.count() };
}

async function setEvidenceRules(rules: Record<string, unknown>) {
  await prisma.plan.update({ where: { id: planId }, data: { settings: JSON.stringify({ evidence: rules }) } });
}

const REPORT = `mutation($t: ID!, $e: [ID!]) { submitProgressReport(taskId: $t, progress: 50, narrative: "推进中", evidenceIds: $e) {
  __typename ... on DubanError { code message messageEn } } }`;

beforeAll(async () => {
  const db = await freshDatabase();
  prisma = db.prisma;
  dataDir = db.dir;
  org = await seedOrg(prisma, ['甲局', '乙局', '丙局']);
  await prisma.user.create({
    data: {
      username: 'admin',
      displayName: '管理员',
      role: 'ADMIN',
      passwordHash: await hashPassword('test-password'),
    },
  });
  const [A, B, C] = org.departments;
  const plan = await prisma.plan.create({ data: { title: '佐证测试方案', sourceText: '…' } });
  planId = plan.id;
  const specs = [
    ['t1', A!.id, [C!.id]],
    ['t2', A!.id, []],
    ['t3', B!.id, []],
  ] as const;
  for (const [i, [key, lead, coop]] of specs.entries()) {
    const task = await prisma.task.create({
      data: {
        planId: plan.id,
        path: `一、(${i + 1})`,
        sortOrder: i,
        title: `任务${i + 1}`,
        text: '内容',
        leadDepartmentId: lead,
        status: 'IN_PROGRESS',
        dueDate: '2026-12-31',
        assignedAt: new Date('2026-01-05T00:00:00Z'),
        workflowId: `wf-${key}`,
        cooperators: { create: coop.map((departmentId) => ({ departmentId })) },
      },
    });
    T[key] = task.id;
  }
  server = await startServer(
    { prisma, config: db.config, temporal: undefined },
    { port: 0, host: '127.0.0.1', feedIntervalMs: 60_000 },
  );
  Object.assign(
    tokens,
    await sessionTokens(server.url, {
      a: 'dept01',
      b: 'dept02',
      c: 'dept03',
      office: 'office',
      supervisor: 'supervisor',
      admin: 'admin',
    }),
  );
}, 60_000);

afterAll(async () => {
  await server?.close();
  await prisma?.$disconnect();
});

describe('upload', () => {
  it('stores each file content-addressed with its hash and uploader, one row per upload, deduplicated', async () => {
    const r = await upload(T.t1, [
      { name: '现场照片.png', bytes: PNG },
      { name: '会议纪要.pdf', bytes: pdf('纪要') },
    ]);
    expect(r.status).toBe(201);
    expect(r.body).toHaveLength(2);
    expect(r.body[0]).toMatchObject({ name: '现场照片.png', size: PNG.length, mime: 'image/png' });
    expect(r.body[1]).toMatchObject({ name: '会议纪要.pdf', mime: 'application/pdf' });
    const sha = r.body[0].sha256 as string;
    expect(sha).toMatch(/^[0-9a-f]{64}$/);
    const blob = path.join(dataDir, 'evidence', sha.slice(0, 2), sha);
    expect(new Uint8Array(fs.readFileSync(blob))).toEqual(PNG);
    const row = await prisma.evidence.findUniqueOrThrow({ where: { id: r.body[0].id } });
    expect(row).toMatchObject({
      taskId: T.t1,
      sha256: sha,
      uploaderId: org.departments[0]!.userId,
      uploaderDepartmentId: org.departments[0]!.id,
      reportId: null,
      closureId: null,
    });
    const before = await stored();
    const again = await upload(T.t1, [{ name: '同一张照片.png', bytes: PNG }]);
    expect(again.status).toBe(201);
    expect(again.body[0].sha256).toBe(sha);
    expect(await stored()).toEqual({ files: before.files, rows: before.rows + 1 });
  });

  it('accepts docx and xlsx by their content', async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('台账').addRow(['完成', 1]);
    const xlsx = new Uint8Array(await wb.xlsx.writeBuffer());
    const r = await upload(T.t1, [{ name: '台账.xlsx', bytes: xlsx }]);
    expect(r.status).toBe(201);
    expect(r.body[0].mime).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    // An .xlsx renamed .docx is refused: the content decides.
    const renamed = await upload(T.t1, [{ name: '台账.docx', bytes: xlsx }]);
    expect(renamed.body.error.code).toBe('EVIDENCE_CONTENT_MISMATCH');
  });

  it('refuses an oversize file with a Chinese reason and stores nothing', async () => {
    await setEvidenceRules({ maxFileMB: 1 });
    try {
      const before = await stored();
      const big = pdf('x'.repeat(1024 * 1024 + 10));
      const r = await upload(T.t1, [
        { name: '小.png', bytes: Uint8Array.from([...PNG, 9]) },
        { name: '大文件.pdf', bytes: big },
      ]);
      expect(r.status).toBe(413);
      expect(r.body.error).toMatchObject({ code: 'EVIDENCE_TOO_LARGE' });
      expect(r.body.error.message).toMatch(/^文件“大文件\.pdf”大小为 1 MB，超过上限 1 MB。$/);
      expect(r.body.error.messageEn).toMatch(/over the 1 MB limit/);
      expect(await stored()).toEqual(before);
      // A body larger than any allowed upload is refused before it is read.
      await setEvidenceRules({ maxFileMB: 1, maxFiles: 1 });
      const huge = await upload(T.t1, [{ name: '巨大.pdf', bytes: pdf('y'.repeat(3 * 1024 * 1024)) }]);
      expect(huge.status).toBe(413);
      expect(huge.body.error.message).toMatch(/过大/);
      expect(await stored()).toEqual(before);
    } finally {
      await setEvidenceRules({});
    }
  });

  it('refuses a disallowed type, and a .pdf whose content is PNG, storing nothing (not even the good file)', async () => {
    const before = await stored();
    const exe = await upload(T.t1, [{ name: 'setup.exe', bytes: Uint8Array.from([0x4d, 0x5a, 0x90, 0]) }]);
    expect(exe.status).toBe(400);
    expect(exe.body.error.code).toBe('EVIDENCE_TYPE_NOT_ALLOWED');
    expect(exe.body.error.message).toMatch(/^不接受文件“setup\.exe”的类型，只能上传：pdf、docx、xlsx/);
    const html = await upload(T.t1, [{ name: 'page.html', bytes: new TextEncoder().encode('<script>1</script>') }]);
    expect(html.body.error.code).toBe('EVIDENCE_TYPE_NOT_ALLOWED');
    const fake = await upload(T.t1, [
      { name: '好的.png', bytes: Uint8Array.from([...PNG, 7, 7]) },
      { name: '报告.pdf', bytes: PNG },
    ]);
    expect(fake.status).toBe(400);
    expect(fake.body.error).toMatchObject({
      code: 'EVIDENCE_CONTENT_MISMATCH',
      message: '文件“报告.pdf”的内容是PNG 图片，与文件名不符。',
    });
    await setEvidenceRules({ types: ['pdf'] });
    const notHere = await upload(T.t1, [{ name: 'a.png', bytes: PNG }]);
    expect(notHere.body.error.code).toBe('EVIDENCE_TYPE_NOT_ALLOWED');
    await setEvidenceRules({ maxFiles: 1 });
    const many = await upload(T.t1, [
      { name: '1.pdf', bytes: pdf('1') },
      { name: '2.pdf', bytes: pdf('2') },
    ]);
    expect(many.body.error).toMatchObject({ code: 'EVIDENCE_TOO_MANY', message: '最多附 1 个文件（本次 2 个）。' });
    await setEvidenceRules({});
    expect(await stored()).toEqual(before);
  });

  it('is allowed only to those who may report on the task: 401 signed out, 404 for another department, 403 for the office', async () => {
    const before = await stored();
    expect((await upload(T.t1, [{ name: 'a.pdf', bytes: pdf() }], null)).status).toBe(401);
    const b = await upload(T.t1, [{ name: 'a.pdf', bytes: pdf() }], 'b');
    expect(b.status).toBe(404);
    expect(b.body.error.message).toBe('未找到该任务。');
    const office = await upload(T.t1, [{ name: 'a.pdf', bytes: pdf() }], 'office');
    expect(office.status).toBe(403);
    // A cookie-authenticated upload needs the CSRF header (a cross-site form cannot add it).
    const csrf = await fetch(`${server.url}/api/tasks/${T.t1}/evidence`, {
      method: 'POST',
      headers: { cookie: `duban_session=${tokens.a}` },
      body: form([{ name: 'a.pdf', bytes: pdf() }]),
    });
    expect(csrf.status).toBe(403);
    expect(await stored()).toEqual(before);
    // The cooperating department may upload (it contributes reports).
    expect((await upload(T.t1, [{ name: '配合.pdf', bytes: pdf('c') }], 'c')).status).toBe(201);
  });
});

describe('download', () => {
  let mine: string;
  let attached: string;
  beforeAll(async () => {
    mine = (await upload(T.t1, [{ name: '整改"报告";\r\n.pdf', bytes: pdf('d') }])).body[0].id;
    attached = (await upload(T.t1, [{ name: '已提交.png', bytes: PNG }])).body[0].id;
    await prisma.progressReport.create({
      data: {
        id: 'report-1',
        taskId: T.t1,
        departmentId: org.departments[0]!.id,
        authorId: org.departments[0]!.userId,
        progress: 50,
        narrative: '进展',
        submittedAt: new Date(),
      },
    });
    await prisma.evidence.update({ where: { id: attached }, data: { reportId: 'report-1' } });
  });

  it('serves the file as an attachment, with its sniffed type, nosniff and a sandbox', async () => {
    const res = await download(mine, 'a');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toMatch(/^sandbox/);
    const cd = res.headers.get('content-disposition')!;
    expect(cd).toMatch(/^attachment; filename="[\x20-\x7e]+"; filename\*=UTF-8''/);
    expect(cd).not.toMatch(/[\r\n]/);
    expect(decodeURIComponent(cd.split("UTF-8''")[1]!)).toBe('整改_报告_;.pdf');
    expect(new TextDecoder().decode(await res.arrayBuffer())).toContain('%PDF-');
    expect(contentDisposition('a b.pdf')).toBe(`attachment; filename="a b.pdf"; filename*=UTF-8''a%20b.pdf`);
  });

  it('never gives department B department A’s evidence, by id', async () => {
    for (const id of [mine, attached]) {
      const res = await download(id, 'b');
      expect(res.status).toBe(404);
      expect(((await res.json()) as any).error.message).toBe('未找到该佐证材料。');
    }
    expect((await download(attached, null)).status).toBe(401);
    expect((await download('no-such-id', 'a')).status).toBe(404);
  });

  it('shows submitted evidence to whoever may see the task, a draft only to its department', async () => {
    expect((await download(attached, 'office')).status).toBe(200);
    expect((await download(attached, 'supervisor')).status).toBe(200);
    expect((await download(attached, 'c')).status).toBe(200);
    expect((await download(mine, 'office')).status).toBe(404);
    expect((await download(mine, 'c')).status).toBe(404);
  });

  it('never shows department B department A’s evidence through GraphQL: task, tasks, node, reports', async () => {
    const all = await prisma.evidence.findMany({ where: { taskId: T.t1 }, select: { id: true } });
    const fields = `taskId evidence { id name url } reports { id evidence { id } } closureReviews { id evidence { id } }`;
    const asA = await gql(`query($t: ID!) { task(id: $t) { ${fields} } }`, { t: T.t1 }, 'a');
    expect(asA.data.task.reports[0].evidence).toEqual([{ id: attached }]);
    expect(asA.data.task.evidence.map((e: any) => e.id)).toContain(mine);
    expect(asA.data.task.evidence.find((e: any) => e.id === attached).url).toBe(`/export/evidence/${attached}`);
    const answers = [
      await gql(`query($t: ID!) { task(id: $t) { ${fields} } }`, { t: T.t1 }, 'b'),
      await gql(`{ tasks(first: 50) { edges { node { ${fields} } } } }`, {}, 'b'),
      await gql(
        `query($n: ID!) { node(id: $n) { ... on Task { ${fields} } } }`,
        { n: encodeGlobalID('Task', T.t1) },
        'b',
      ),
      await gql(`{ plans { tasks { ${fields} } } }`, {}, 'b'),
    ];
    const text = JSON.stringify(answers);
    for (const e of all) expect(text).not.toContain(e.id);
    // The office sees the submitted file, not the department's drafts.
    const office = await gql(`query($t: ID!) { task(id: $t) { evidence { id } } }`, { t: T.t1 }, 'office');
    expect(office.data.task.evidence).toEqual([{ id: attached }]);
  });
});

describe('attaching evidence to a report or a closure request', () => {
  it('refuses an id from another task, another department, or already submitted; no command is sent', async () => {
    const other = (await upload(T.t2, [{ name: '别的任务.pdf', bytes: pdf('t2') }])).body[0].id;
    const r = await gql(REPORT, { t: T.t1, e: [other] }, 'a');
    expect(r.data.submitProgressReport).toMatchObject({ __typename: 'DubanError', code: 'INVALID_INPUT' });
    expect(r.data.submitProgressReport.message).toMatch(/不存在或不属于本任务、本单位/);
    const coop = (await upload(T.t1, [{ name: '配合局的.pdf', bytes: pdf('c2') }], 'c')).body[0].id;
    const notOurs = await gql(REPORT, { t: T.t1, e: [coop] }, 'a');
    expect(notOurs.data.submitProgressReport.code).toBe('INVALID_INPUT');
    const used = await prisma.evidence.findFirstOrThrow({ where: { reportId: { not: null } } });
    const again = await gql(REPORT, { t: T.t1, e: [used.id] }, 'a');
    expect(again.data.submitProgressReport.message).toMatch(/已随其他报告或申请提交/);
    // Department B names A's file on its own task: not found either.
    const b = await gql(REPORT, { t: T.t3, e: [other] }, 'b');
    expect(b.data.submitProgressReport.code).toBe('INVALID_INPUT');
    // Nothing was attached by any of these.
    expect(await prisma.evidence.count({ where: { id: { in: [other, coop] }, reportId: { not: null } } })).toBe(0);
  });

  it('passes the department’s own drafts on to the workflow command', async () => {
    const own = (await upload(T.t1, [{ name: '本次.pdf', bytes: pdf('own') }])).body[0].id;
    // No engine in this test: getting as far as the workflow means every check passed.
    const r = await gql(REPORT, { t: T.t1, e: [own, own] }, 'a');
    expect(r.data.submitProgressReport.code).toBe('TEMPORAL_UNAVAILABLE');
    const none = await gql(REPORT, { t: T.t1, e: null }, 'a');
    expect(none.data.submitProgressReport.code).toBe('TEMPORAL_UNAVAILABLE');
  });

  it('requires evidence for closure only where the plan says so; never for reports', async () => {
    const close = `mutation($t: ID!, $e: [ID!]) { requestClosure(taskId: $t, summary: "已完成", evidenceIds: $e) {
      __typename ... on DubanError { code message } } }`;
    expect((await gql(close, { t: T.t2 }, 'a')).data.requestClosure.code).toBe('TEMPORAL_UNAVAILABLE');
    await setEvidenceRules({ requiredForClosure: true });
    try {
      const r = await gql(close, { t: T.t2 }, 'a');
      expect(r.data.requestClosure).toMatchObject({
        code: 'INVALID_INPUT',
        message: '本方案要求办结申请附佐证材料，请先上传。',
      });
      expect((await gql(REPORT, { t: T.t2 }, 'a')).data.submitProgressReport.code).toBe('TEMPORAL_UNAVAILABLE');
      const file = (await upload(T.t2, [{ name: '办结佐证.pdf', bytes: pdf('close') }])).body[0].id;
      expect((await gql(close, { t: T.t2, e: [file] }, 'a')).data.requestClosure.code).toBe('TEMPORAL_UNAVAILABLE');
    } finally {
      await setEvidenceRules({});
    }
  });

  it('lets the department remove a draft (its blob goes when no other upload shares it), not a submitted file', async () => {
    const r = await upload(T.t1, [{ name: '撤回.pdf', bytes: pdf('remove me') }]);
    const { id, sha256 } = r.body[0];
    const del = (who: string, which: string) =>
      fetch(`${server.url}/api/evidence/${which}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${tokens[who]}` },
      });
    expect((await del('b', id)).status).toBe(404);
    expect((await del('a', id)).status).toBe(200);
    expect(fs.existsSync(path.join(dataDir, 'evidence', sha256.slice(0, 2), sha256))).toBe(false);
    const used = await prisma.evidence.findFirstOrThrow({ where: { reportId: { not: null } } });
    expect((await del('a', used.id)).status).toBe(409);
  });
});

describe('plan settings', () => {
  it('sets the evidence rules through updatePlanSettings, refusing bad ones in Chinese', async () => {
    const m = `mutation($p: ID!, $s: PlanSettingsInput!) { updatePlanSettings(planId: $p, settings: $s) {
      __typename ... on MutationUpdatePlanSettingsSuccess { data { settings } } ... on DubanError { code message } } }`;
    const ok = await gql(
      m,
      {
        p: planId,
        s: {
          evidenceMaxFileMB: 5,
          evidenceMaxFiles: 3,
          evidenceTypes: ['PDF', 'png'],
          evidenceRequiredForClosure: true,
        },
      },
      'admin',
    );
    expect(JSON.parse(ok.data.updatePlanSettings.data.settings).evidence).toEqual({
      maxFileMB: 5,
      maxFiles: 3,
      types: ['pdf', 'png'],
      requiredForClosure: true,
    });
    const bad = await gql(m, { p: planId, s: { evidenceTypes: ['exe'] } }, 'admin');
    expect(bad.data.updatePlanSettings).toMatchObject({ code: 'INVALID_INPUT' });
    expect(bad.data.updatePlanSettings.message).toMatch(/不支持的文件类型：exe/);
    const range = await gql(m, { p: planId, s: { evidenceMaxFiles: 0 } }, 'admin');
    expect(range.errors?.[0]?.message ?? range.data?.updatePlanSettings?.message).toMatch(/1 到 50/);
    await setEvidenceRules({});
  });
});
