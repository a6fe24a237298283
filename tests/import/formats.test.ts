/**
 * What issue 13 asks of the importer beyond the scores: tables and 台账 with
 * their column mapping (shown and correctable), compilations, conventions
 * written once, plans naming no department, past dates, metadata, the source
 * span of every field, Chinese warnings, the duplicate hash.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Document, Packer, Paragraph, Table, TableCell, TableRow } from 'docx';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { parsePlanSource, readPlanDocument, sourceHashOf, ImportError } from '../../services/import.ts';
import { mapColumns, parseDocument, parsePlan } from '../../domain/parser/index.ts';

const plansDir = fileURLToPath(new URL('../fixtures/plans/', import.meta.url));
const TODAY = '2026-12-02';

async function load(file: string, opts: Parameters<typeof parsePlanSource>[2] = {}) {
  const full = path.join(plansDir, file);
  const source = await readPlanDocument(fs.readFileSync(full), file);
  return { source, plan: parsePlanSource(source, file, { today: TODAY, ...opts }) };
}

const CJK = /[\u4e00-\u9fa5]/;

describe('column headers mapped by meaning', () => {
  it('reads the usual headers of task tables and 台账', () => {
    expect(mapColumns(['序号', '主要任务', '具体内容及目标', '牵头单位', '配合单位', '完成时限'])).toEqual([
      'seq',
      'task',
      'detail',
      'lead',
      'cooperating',
      'deadline',
    ]);
    expect(mapColumns(['任务事项', '具体要求', '主责部门', '协同部门', '完成时间', '备注'])).toEqual([
      'task',
      'detail',
      'lead',
      'cooperating',
      'deadline',
      'ignore',
    ]);
    expect(mapColumns(['编号', '重点工作', '工作措施及目标', '责任单位', '协办单位', '时间节点', '进展情况'])).toEqual([
      'seq',
      'task',
      'detail',
      'lead',
      'cooperating',
      'deadline',
      'ignore',
    ]);
    // Only a detail column: it names the task.
    expect(mapColumns(['工作内容', '责任单位', '完成时限'])).toEqual(['task', 'lead', 'deadline']);
  });

  it('a .docx task table: tasks are its rows, grouped by its section rows, the mapping is returned', async () => {
    const { source, plan } = await load('hengshan-county-medical-community-tasks-2024.docx');
    expect(source.blocks?.some((b) => b.kind === 'table')).toBe(true);
    expect(plan.columns).toMatchObject({
      role: 'TABLE',
      header: ['序号', '主要任务', '具体内容及目标', '牵头单位', '配合单位', '完成时限'],
    });
    expect(plan.tasks).toHaveLength(8);
    expect(plan.tasks[0]).toMatchObject({
      path: ['一、管理体制改革', '1.健全医共体管理架构'],
      lead: ['县卫健局'],
      cooperating: ['县委编办', '县财政局'],
      responsibility_source: 'TABLE',
    });
    expect(plan.tasks[0].evidence).toContainEqual({ field: 'lead', text: '县卫健局', reason: '“牵头单位”列' });
    const w = plan.warnings.find((x) => x.code === 'TABLE_COLUMNS')!;
    expect(w.message).toContain('「牵头单位」→牵头单位');
  });

  it('an .xlsx 台账: the title row is the plan title, a status column is not imported, the office can remap', async () => {
    const { plan } = await load('baiyun-district-reform-ledger-2024.xlsx');
    expect(plan.title).toBe('白云区2024年深化医改重点工作任务台账');
    expect(plan.columns?.fields.at(-1)).toBe('ignore');
    // 责任单位 with two names: the first leads.
    expect(plan.tasks[1]).toMatchObject({ lead: ['区卫健局'], cooperating: ['区医保局', '各街道办事处'] });
    const fields = [...plan.columns!.fields];
    fields[3] = 'cooperating';
    fields[4] = 'lead';
    const { plan: remapped } = await load('baiyun-district-reform-ledger-2024.xlsx', { columns: fields });
    expect(remapped.tasks[0]).toMatchObject({ lead: ['区医保局'], cooperating: ['区卫健局'] });
    expect(remapped.columns?.fields).toEqual(fields);
  });

  it('a .csv saved by Excel in GB18030 reads like UTF-8', async () => {
    const csv = '任务名称,牵头单位,配合单位,完成时限\n推进家庭医生签约,县卫健局,县医保局,2027年6月底前\n';
    for (const bytes of [Buffer.from(`\uFEFF${csv}`), iconv.encode(csv, 'gb18030')]) {
      const read = await readPlanDocument(bytes, 'ledger.csv');
      expect(read.format).toBe('csv');
      const plan = parseDocument(read.blocks!);
      expect(plan.tasks[0]).toMatchObject({ title: '推进家庭医生签约', lead: ['县卫健局'], cooperating: ['县医保局'] });
      expect(plan.tasks[0].deadlines[0].date).toBe('2027-06-30');
    }
  });

  it('an appendix 分工表 completes the tasks of the text by title', async () => {
    const { plan } = await load('qingshui-county-public-hospital-reform-2023.docx');
    expect(plan.columns?.role).toBe('APPENDIX');
    expect(plan.tasks.map((t) => t.responsibility_source)).toEqual(Array(5).fill('APPENDIX'));
    expect(plan.tasks[1].deadlines.map((d) => d.date)).toEqual(['2024-12-31']);
    expect(plan.tasks[1].evidence?.find((e) => e.field === 'lead')?.reason).toContain('附件分工表');
    expect(plan.warnings.some((w) => w.code === 'UNASSIGNED_TASK')).toBe(false);
  });

  it('refuses an .xls and a workbook that is not one, in Chinese first', async () => {
    await expect(readPlanDocument(Buffer.from('x'), 'a.xls')).rejects.toThrow(/旧版 Excel/);
    const bad = await readPlanDocument(Buffer.from('not a zip'), 'a.xlsx').catch((e: ImportError) => e);
    expect(bad).toBeInstanceOf(ImportError);
    expect((bad as ImportError).zh).toContain('无法读取该 Excel 文件');
  });
});

describe('text conventions', () => {
  it('inline (1)…(n) items numbered straight through sections are the tasks; the narrative names no lead', async () => {
    const { plan } = await load('anping-county-reform-tasks-2024.txt');
    expect(plan.tasks.map((t) => t.path.at(-1))).toEqual([
      '（1）',
      '（2）',
      '（3）',
      '（4）',
      '（5）',
      '（6）',
      '（7）',
      '（8）',
      '（9）',
      '（10）',
      '（11）',
    ]);
    expect(plan.departments).not.toContain('县级医院');
    expect(plan.title).toBe('安平县深化医药卫生体制改革2024年重点工作任务');
    expect(plan.warnings.find((w) => w.code === 'RESPONSIBILITY_CONVENTION')?.message).toContain(
      '列在首位的为牵头单位',
    );
    // 提升5个百分点: a change, in 百分点; 年内: the plan's year.
    expect(plan.tasks[4].targets[0]).toMatchObject({ value: 5, unit: '百分点', change: true });
    expect(plan.tasks[3].deadlines[0]).toMatchObject({ text: '年内', date: '2024-12-31', inferred: 'PLAN_YEAR' });
    // 每月5日前: a monthly relative deadline, not a date.
    expect(plan.tasks[9]).toMatchObject({ recurrence: 'monthly', deadlines: [] });
    expect(plan.tasks[9].relative_deadlines).toEqual([
      { text: '每月5日前', amount: 5, unit: 'DAY_OF_MONTH', date: null },
    ]);
  });

  it('"下同" and deep leaves 一、>(一)>1.>(1); a phased schedule takes the year written before it', async () => {
    const { plan } = await load('nanling-city-resource-sinking-plan-2023.txt');
    expect(plan.tasks[1].path).toEqual(['二、重点任务', '（一）推进城市医疗集团建设', '2.完善集团内部管理', '（1）']);
    expect(plan.issuer).toBe('南岭市卫生健康委员会');
    expect(plan.co_issuers).toEqual(['南岭市发展和改革委员会', '南岭市财政局', '南岭市医疗保障局']);
    const remote = plan.tasks.find((t) => t.title === '推进远程医疗全覆盖')!;
    expect(remote.deadlines).toEqual([
      { text: '2024年9月底前', date: '2024-09-30', past: true },
      { text: '12月底前', date: '2024-12-31', inferred: 'YEAR_FROM_CONTEXT', past: true },
    ]);
    // 一、总体考虑 is a goal section, by its content: its goals are plan targets.
    expect(plan.plan_targets.map((t) => t.value)).toEqual([3.2, 90, 3]);
  });

  it('"以下任务均需…落实" adds the body to every task; "以上任务由…牵头" applies to its paragraph', () => {
    const plan = parsePlan(
      [
        '某市2024年医保重点工作任务',
        '以下任务均需各区市政府落实，不再一一列出。',
        '一、深化支付方式改革。1.全面推行DRG付费。2.完善医共体总额付费。以上任务由市医保局牵头，市卫健委配合。',
      ].join('\n'),
    );
    expect(plan.tasks.map((t) => [t.lead, t.cooperating, t.responsibility_source])).toEqual([
      [['市医保局'], ['市卫健委', '各区市政府'], 'CONVENTION'],
      [['市医保局'], ['市卫健委', '各区市政府'], 'CONVENTION'],
    ]);
    expect(plan.tasks[1].title).toBe('完善医共体总额付费');
  });

  it('a plan that names no department: every task unassigned, said so in Chinese, none invented', async () => {
    const { plan } = await load('songxi-county-chronic-disease-plan-2025.txt');
    expect(plan.tasks).toHaveLength(5);
    expect(plan.tasks.every((t) => t.lead.length === 0 && t.unassigned)).toBe(true);
    expect(plan.departments).toEqual([]);
    expect(plan.warnings.find((w) => w.code === 'NO_DEPARTMENTS')?.message).toContain('系统未自动指定任何单位');
  });

  it('a compilation: the user is told which document was read and may choose another', async () => {
    const { plan } = await load('linhe-health-documents-compilation-2024.txt');
    expect(plan.documents).toEqual([
      { index: 0, title: '临河区家庭医生签约服务提质增效实施方案', doc_number: '临政办发〔2024〕6号', tasks: 4 },
      { index: 1, title: null, doc_number: '临卫发〔2024〕12号', tasks: 2 },
    ]);
    expect(plan.document).toBe(0);
    expect(plan.warnings[0]).toMatchObject({ code: 'MULTIPLE_DOCUMENTS' });
    const { plan: other } = await load('linhe-health-documents-compilation-2024.txt', { documentIndex: 1 });
    expect(other.tasks.map((t) => t.lead[0])).toEqual(['区疾控中心', '各镇卫生院']);
  });

  it('the title is the plan’s own, never a document it cites', () => {
    const plan = parsePlan(
      [
        '为贯彻落实《河北省深化医药卫生体制改革实施方案》，结合我县实际，提出以下任务。',
        '（一）推进医共体建设。（1）完善章程。（县卫健局）（2）统筹人员。（县人社局）',
      ].join('\n'),
    );
    expect(plan.title).toBeNull();
    expect(plan.warnings.find((w) => w.code === 'NO_TITLE')?.message).toBe('未找到方案标题，请在导入前填写。');
  });
});

describe('past dates, evidence and warnings', () => {
  it('deadlines before the import day are flagged past, with a Chinese warning per task', async () => {
    const { plan } = await load('anping-county-reform-tasks-2024.txt', { today: '2024-05-01' });
    const revision = plan.tasks[10];
    expect(revision.deadlines).toEqual([{ text: '2024年3月底前', date: '2024-03-31', past: true }]);
    expect(plan.tasks[0].deadlines[0].past).toBeUndefined();
    const w = plan.warnings.filter((x) => x.code === 'PAST_DEADLINE');
    expect(w).toHaveLength(1);
    expect(w[0].message).toContain('不会据此生成逾期催办');
  });

  it('every task says why each field was read, and every warning is Chinese first with English second', async () => {
    for (const file of fs.readdirSync(plansDir).filter((f) => /\.(txt|docx|xlsx|csv)$/.test(f))) {
      const { plan } = await load(file);
      for (const t of plan.tasks) {
        const fields = new Set(t.evidence?.map((e) => e.field));
        expect(fields.has('task'), `${file} ${t.title}`).toBe(true);
        if (t.lead.length) expect(fields.has('lead'), `${file} ${t.title}`).toBe(true);
        if (t.deadlines.length) expect(fields.has('deadline'), `${file} ${t.title}`).toBe(true);
        for (const e of t.evidence ?? []) expect(e.reason).toMatch(CJK);
      }
      for (const w of plan.warnings) {
        expect(w.message, `${file} ${w.code}`).toMatch(CJK);
        expect(w.messageEn, `${file} ${w.code}`).toMatch(/^[\x20-\x7e\u4e00-\u9fa5，、。（）《》〔〕]+$/);
      }
    }
  });
});

describe('the duplicate hash', () => {
  it('ignores line breaks, spacing and full-width forms; differs for another text', () => {
    const a = '一、重点任务\n（一）加强领导。（县卫健局负责）';
    expect(sourceHashOf(a)).toBe(sourceHashOf('一、重点任务\r\n\r\n  (一)加强领导。(县卫健局负责)'));
    expect(sourceHashOf(a)).not.toBe(sourceHashOf(a.replace('加强', '强化')));
  });
});

describe('merged cells of a .docx table', () => {
  it('a 牵头单位 merged down several rows leads each of them; a group row merged across is a section', async () => {
    const cell = (text: string, opts: { rowSpan?: number; columnSpan?: number } = {}) =>
      new TableCell({ children: [new Paragraph(text)], ...opts });
    const row = (...cells: TableCell[]) => new TableRow({ children: cells });
    const doc = new Document({
      sections: [
        {
          children: [
            new Paragraph('某县2025年医改重点任务分工表'),
            new Table({
              rows: [
                row(cell('序号'), cell('重点任务'), cell('牵头单位'), cell('配合单位'), cell('完成时限')),
                row(cell('一、医疗服务', { columnSpan: 5 })),
                row(
                  cell('1'),
                  cell('推进分级诊疗'),
                  cell('县卫健局', { rowSpan: 2 }),
                  cell('县医保局'),
                  cell('2025年底前'),
                ),
                row(cell('2'), cell('建设医共体'), cell('县财政局'), cell('2025年6月底前')),
                row(cell('3'), cell('完善医保支付'), cell('县医保局'), cell('县卫健局'), cell('每季度')),
              ],
            }),
          ],
        },
      ],
    });
    const read = await readPlanDocument(await Packer.toBuffer(doc), 'merged.docx');
    const plan = parseDocument(read.blocks!);
    expect(
      plan.tasks.map((t) => [t.path, t.lead, t.cooperating, t.deadlines.map((d) => d.date), t.recurrence]),
    ).toEqual([
      [['一、医疗服务', '1.推进分级诊疗'], ['县卫健局'], ['县医保局'], ['2025-12-31'], null],
      [['一、医疗服务', '2.建设医共体'], ['县卫健局'], ['县财政局'], ['2025-06-30'], null],
      [['一、医疗服务', '3.完善医保支付'], ['县医保局'], ['县卫健局'], [], 'quarterly'],
    ]);
  });
});

describe('a 台账 pasted as text, and a spreadsheet that is not one', () => {
  it('tab-separated rows pasted from Excel are read as a table', () => {
    const text = [
      '某区2025年重点任务台账',
      '序号\t重点任务\t责任单位\t配合单位\t完成时限',
      '1\t推进分级诊疗\t区卫健局\t区医保局\t2025年底前',
      '2\t完善药品供应\t区医保局\t区卫健局、区市场监管局\t每季度',
    ].join('\n');
    const plan = parsePlanSource({ text, format: 'txt' }, 'pasted.txt');
    expect(plan.title).toBe('某区2025年重点任务台账');
    expect(plan.tasks.map((t) => [t.title, t.lead, t.cooperating])).toEqual([
      ['推进分级诊疗', ['区卫健局'], ['区医保局']],
      ['完善药品供应', ['区医保局'], ['区卫健局', '区市场监管局']],
    ]);
  });

  it('a spreadsheet without a task header is refused with what it needs, in Chinese first', async () => {
    const read = await readPlanDocument(Buffer.from('姓名,电话\n张三,123\n'), 'contacts.csv');
    let err: unknown;
    try {
      parsePlanSource(read, 'contacts.csv');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ImportError);
    expect((err as ImportError).zh).toContain('表格中未找到任务表头');
    expect((err as ImportError).code).toBe('NOT_A_PLAN');
  });
});
