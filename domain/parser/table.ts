// Plans whose tasks are a table: a .docx task table (序号 / 主要任务 / 具体内容及
// 目标 / 牵头单位 / 配合单位 / 完成时限), an .xlsx or .csv 台账, or a plan whose
// responsibilities sit in an appendix 分工表 (附件：任务分工表). Reading the file
// happens in services/import.ts (mammoth, exceljs); here the document arrives as
// blocks: paragraphs and tables of cell text.
//
// Column headers vary ("责任单位", "主责部门", "责任处室" …): each is mapped by
// meaning, the mapping is returned (ParsedPlan.columns) for the preview, and
// the office may correct it (ParseOptions.columns) and parse again.

import { cadenceCode, findReportCadence } from '../cadence';
import { findDeadlines, findRecurrences, findRelativeDeadlines } from './deadlines';
import { parsePlan } from './index';
import { metadataWarnings } from './metadata';
import { finishTasks, taskTargets } from './tasks';
import type { ParseOptions } from './types';
import { splitDepartments } from './responsibility';
import type { ColumnField, Evidence, ParsedPlan, ParsedTask } from './types';

export type Block = { kind: 'paragraph'; text: string } | { kind: 'table'; rows: string[][] };

export interface DocumentOptions extends ParseOptions {
  /** The office's correction of the column mapping, one entry per header cell. */
  columns?: (ColumnField | null)[];
}

/** Chinese names of the column meanings (preview). */
export const COLUMN_FIELD_ZH: Record<ColumnField, string> = {
  seq: '序号',
  section: '类别',
  task: '任务名称',
  detail: '具体内容',
  lead: '牵头单位',
  cooperating: '配合单位',
  deadline: '完成时限',
  target: '目标指标',
  ignore: '不导入',
};

// Order matters: 协同/配合 before 责任, 具体 before 任务, 进展/备注 first of all.
const FIELD_RULES: Array<[ColumnField, RegExp]> = [
  ['ignore', /进展|进度|备注|说明|完成情况|状态|评价|佐证/],
  ['seq', /^(?:序号|编号|序|No\.?|#)$/i],
  ['cooperating', /配合|协办|协同|参与|协助|协作/],
  ['lead', /牵头|主责|责任|负责|承办|主办|落实单位|实施单位/],
  ['deadline', /时限|时间|节点|期限|截止|日期|完成时/],
  ['target', /^(?:量化)?(?:指标|目标值|预期目标|绩效目标|量化指标)$/],
  ['detail', /具体|内容|措施|要求|目标|举措|标准|做法/],
  ['task', /任务|事项|工作|项目|名称/],
  ['section', /类别|领域|板块|分类|方面|专项/],
];

/** Map each header cell to what it means; null when unknown. */
export function mapColumns(header: string[]): (ColumnField | null)[] {
  const out: (ColumnField | null)[] = [];
  for (const cell of header) {
    const h = cell.replace(/\s+/g, '');
    const rule = h ? FIELD_RULES.find(([, re]) => re.test(h)) : undefined;
    let field = rule ? rule[0] : null;
    // One column per meaning (except ignore): a second one is left unmapped.
    if (field && field !== 'ignore' && out.includes(field)) field = null;
    out.push(field);
  }
  if (!out.includes('task') && out.includes('detail')) out[out.indexOf('detail')] = 'task';
  return out;
}

/** A task table has a task column and something to follow it by (a department or a deadline). */
function isTaskHeader(fields: (ColumnField | null)[]): boolean {
  return fields.includes('task') && (fields.includes('lead') || fields.includes('deadline'));
}

/** Where the header row is (within the first rows) and what it maps to; null when not a task table. */
export function findHeader(rows: string[][]): { row: number; fields: (ColumnField | null)[] } | null {
  for (let r = 0; r < Math.min(rows.length, 5); r++) {
    const fields = mapColumns(rows[r]);
    if (isTaskHeader(fields)) return { row: r, fields };
  }
  return null;
}

const distinct = (cells: string[]) => [...new Set(cells.map((c) => c.trim()).filter(Boolean))];

interface Row {
  index: number;
  seq: string;
  title: string;
  detail: string;
  lead: string;
  cooperating: string;
  deadline: string;
  target: string;
  section: string;
}

function readRows(rows: string[][], headerRow: number, fields: (ColumnField | null)[]) {
  const cell = (r: string[], f: ColumnField) => {
    const i = fields.indexOf(f);
    return i >= 0 ? (r[i] ?? '').trim() : '';
  };
  const out: Row[] = [];
  let section = '';
  for (let i = headerRow + 1; i < rows.length; i++) {
    const r = rows[i];
    const values = distinct(r);
    if (!values.length) continue;
    // A row that only names a group ("一、管理体制改革"), often merged across: a section.
    if (values.length === 1 && (/^[一二三四五六七八九十]+[、.．]/.test(values[0]) || !cell(r, 'lead'))) {
      section = values[0];
      continue;
    }
    const detail = cell(r, 'detail');
    let title = cell(r, 'task');
    if (!title && detail) title = detail.split(/[。；;]/)[0];
    if (!title) continue;
    out.push({
      index: i,
      seq: cell(r, 'seq').replace(/[.．、]$/, ''),
      title: title.replace(/[。；;，,\s]+$/, ''),
      detail,
      lead: cell(r, 'lead'),
      cooperating: cell(r, 'cooperating'),
      deadline: cell(r, 'deadline'),
      target: cell(r, 'target'),
      section: cell(r, 'section') || section,
    });
  }
  return out;
}

const names = (s: string) =>
  splitDepartments(s.replace(/[（(]?(?:牵头|配合)[)）]?/g, '')).filter((n) => !/^(?:无|—+|-+|\/)$/.test(n));

function fieldHeader(fields: (ColumnField | null)[], header: string[], f: ColumnField): string {
  const i = fields.indexOf(f);
  return i >= 0 ? header[i] : COLUMN_FIELD_ZH[f];
}

/** Tasks of a task table. */
function tableTasks(
  rows: Row[],
  header: string[],
  fields: (ColumnField | null)[],
  planYear: number | null,
  options: ParseOptions,
): ParsedTask[] {
  const dctx = { planYear };
  return rows.map((row) => {
    const evidence: Evidence[] = [{ field: 'task', text: row.title, reason: `表格第 ${row.index + 1} 行的任务` }];
    const leads = names(row.lead);
    const coop = [...leads.slice(1), ...names(row.cooperating)].filter((n, i, a) => a.indexOf(n) === i);
    if (leads.length)
      evidence.push({
        field: 'lead',
        text: row.lead,
        reason: `“${fieldHeader(fields, header, 'lead')}”列${leads.length > 1 ? '，首位为牵头单位' : ''}`,
      });
    if (row.cooperating)
      evidence.push({
        field: 'cooperating',
        text: row.cooperating,
        reason: `“${fieldHeader(fields, header, 'cooperating')}”列`,
      });
    const content = [row.title, row.detail, row.target].filter(Boolean).join('\n');
    const fromCell = findDeadlines(row.deadline, dctx);
    const fromText = findDeadlines(content, dctx);
    const deadlines: ParsedTask['deadlines'] = [];
    for (const d of [...fromCell, ...fromText]) {
      if (deadlines.some((x) => x.date === d.date)) continue;
      deadlines.push({ text: d.text, date: d.date, ...(d.inferred ? { inferred: d.inferred } : {}) });
      evidence.push({
        field: 'deadline',
        text: d.text,
        reason: fromCell.includes(d) ? `“${fieldHeader(fields, header, 'deadline')}”列` : '具体内容中的时限短语',
      });
    }
    const recurrences = [...findRecurrences(row.deadline), ...findRecurrences(content)].filter((r) => r !== 'weekly');
    const targets = taskTargets([row.detail, row.target].filter(Boolean).join('\n'), dctx);
    for (const t of targets) evidence.push({ field: 'target', text: t.text, reason: '量化指标' });
    const task: ParsedTask = {
      path: [...(row.section ? [row.section] : []), row.seq ? `${row.seq}.${row.title}` : row.title],
      title: row.title,
      lead: leads.slice(0, 1),
      cooperating: coop,
      deadlines,
      targets,
      recurrence: (recurrences[0] as ParsedTask['recurrence']) ?? null,
      responsibility_source: leads.length ? 'TABLE' : 'NONE',
      evidence,
    };
    const rel = findRelativeDeadlines(`${row.deadline}\n${content}`, {
      baseDate: options.baseDate,
      calendar: options.calendar,
    });
    if (rel.length) task.relative_deadlines = rel;
    const cadence = findReportCadence(`${row.deadline} ${content}`);
    if (cadence) task.report_cadence = cadenceCode(cadence)!;
    if (options.includeBody) task.body = content;
    return task;
  });
}

const norm = (s: string) => s.replace(/[\s。.;；,，、：:（）()]/g, '');

/** Complete the text's tasks from an appendix 分工表: by title, else by number. */
function mergeAppendix(plan: ParsedPlan, rows: Row[], header: string[], fields: (ColumnField | null)[]): void {
  const used = new Set<Row>();
  const numberOf = (t: ParsedTask) => /^[（(]?([0-9０-９]+)/.exec(t.path.at(-1) ?? '')?.[1];
  for (const task of plan.tasks) {
    const title = norm(task.title);
    let row = rows.find((r) => !used.has(r) && norm(r.title) === title);
    row ??= rows.find(
      (r) => !used.has(r) && title.length >= 4 && (norm(r.title).includes(title) || title.includes(norm(r.title))),
    );
    if (!row && rows.length === plan.tasks.length) {
      const n = numberOf(task);
      row = rows.find((r) => !used.has(r) && n && r.seq === n);
    }
    if (!row) continue;
    used.add(row);
    const leads = names(row.lead);
    if (task.responsibility_source !== 'ANNOTATION' && leads.length) {
      task.lead = leads.slice(0, 1);
      task.cooperating = [...leads.slice(1), ...names(row.cooperating)].filter((n, i, a) => a.indexOf(n) === i);
      task.responsibility_source = 'APPENDIX';
      delete task.unassigned;
      task.evidence?.push({
        field: 'lead',
        text: [row.lead, row.cooperating].filter(Boolean).join('；'),
        reason: `附件分工表第 ${row.index + 1} 行（“${fieldHeader(fields, header, 'lead')}”列为牵头单位）`,
      });
    }
    for (const d of findDeadlines(row.deadline)) {
      if (task.deadlines.some((x) => x.date === d.date)) continue;
      task.deadlines.push({ text: d.text, date: d.date });
      task.evidence?.push({ field: 'deadline', text: d.text, reason: '附件分工表的完成时限' });
    }
    if (!task.recurrence) {
      const r = findRecurrences(row.deadline).find((x) => x !== 'weekly');
      if (r) task.recurrence = r as ParsedTask['recurrence'];
    }
  }
  const left = rows.filter((r) => !used.has(r));
  if (left.length)
    plan.warnings.push({
      code: 'APPENDIX_UNMATCHED',
      message: `附件分工表中有 ${left.length} 行未能对应到正文任务：${left.map((r) => r.title).join('、')}。`,
      messageEn: `${left.length} row(s) of the appendix table match no task of the text.`,
    });
}

const textOf = (blocks: Block[]) =>
  blocks.map((b) => (b.kind === 'paragraph' ? b.text : b.rows.map((r) => distinct(r).join(' ')).join('\n'))).join('\n');

/**
 * Parse a document given as paragraphs and tables. Without a task table this
 * is parsePlan on its text; with one, tasks are its rows (metadata from the
 * paragraphs and rows above the header), or, when the table is an appendix
 * and the text has tasks, the table completes their responsibilities.
 */
export function parseDocument(blocks: Block[], options: DocumentOptions = {}): ParsedPlan {
  let found: { block: number; table: number; row: number; fields: (ColumnField | null)[] } | null = null;
  let tableNo = 0;
  for (let b = 0; b < blocks.length && !found; b++) {
    const blk = blocks[b];
    if (blk.kind !== 'table') continue;
    const h = findHeader(blk.rows);
    if (h) found = { block: b, table: tableNo, ...h };
    tableNo++;
  }
  if (!found) return parsePlan(textOf(blocks), options);

  const table = blocks[found.block] as { kind: 'table'; rows: string[][] };
  const header = table.rows[found.row].map((c) => c.trim());
  let fields = found.fields;
  if (options.columns && options.columns.length === header.length) fields = options.columns;
  const rows = readRows(table.rows, found.row, fields);
  const before = blocks.slice(0, found.block);
  const inAnnex = before.some((b) => b.kind === 'paragraph' && /^附\s*件/.test(b.text.trim()));
  const paragraphs = blocks.filter((b) => b.kind === 'paragraph').map((b) => (b as { text: string }).text);

  if (inAnnex) {
    const plan = parsePlan(paragraphs.join('\n'), options);
    if (plan.tasks.length) {
      // Redo the per-task warnings once the table has completed the tasks.
      const redo = new Set(['UNASSIGNED_TASK', 'NO_DEPARTMENTS', 'PAST_DEADLINE']);
      plan.warnings = plan.warnings.filter((w) => !redo.has(w.code));
      for (const t of plan.tasks) {
        delete t.unassigned;
        for (const d of t.deadlines) delete d.past;
      }
      mergeAppendix(plan, rows, header, fields);
      finishTasks(plan.tasks, plan.warnings, options);
      plan.columns = { header, fields, role: 'APPENDIX', table: found.table };
      plan.departments = roster(plan.tasks);
      return plan;
    }
  }

  // Metadata from what stands above the table: paragraphs and the rows above its header.
  const above = [
    ...before.flatMap((b) => (b.kind === 'paragraph' ? [b.text] : b.rows.map((r) => distinct(r).join(' ')))),
    ...table.rows.slice(0, found.row).map((r) => distinct(r).join(' ')),
  ];
  const meta = parsePlan(above.join('\n'), { ...options, includeBody: false });
  const planYear = meta.issued_on
    ? Number(meta.issued_on.slice(0, 4))
    : Number(/((?:19|20)\d{2})年/.exec(meta.title ?? '')?.[1]) || null;
  const tasks = tableTasks(rows, header, fields, planYear, options);
  const plan: ParsedPlan = {
    ...(options.docName ? { doc: options.docName } : {}),
    title: meta.title,
    issuer: meta.issuer,
    ...(meta.co_issuers ? { co_issuers: meta.co_issuers } : {}),
    doc_number: meta.doc_number,
    issued_on: meta.issued_on ?? null,
    departments: roster(tasks),
    tasks,
    plan_targets: meta.plan_targets,
    columns: { header, fields, role: 'TABLE', table: found.table },
    warnings: [],
  };
  const unmapped = header.filter((h, i) => h && fields[i] === null);
  plan.warnings.push({
    code: 'TABLE_COLUMNS',
    message: `按表格读取任务：${header
      .map((h, i) => `「${h}」→${fields[i] ? COLUMN_FIELD_ZH[fields[i]!] : '未识别'}`)
      .join('，')}。${unmapped.length ? '未识别的列不导入，' : ''}如有误请在预览中修改列的含义。`,
    messageEn: 'Tasks read from a table; check the column mapping in the preview.',
  });
  finishTasks(tasks, plan.warnings, options);
  metadataWarnings(plan);
  return plan;
}

function roster(tasks: ParsedTask[]): string[] {
  const out: string[] = [];
  for (const t of tasks) for (const d of [...t.lead, ...t.cooperating]) if (!out.includes(d)) out.push(d);
  return out;
}
