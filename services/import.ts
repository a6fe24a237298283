/**
 * Reading a plan document: .txt / .md as text, .docx through mammoth (its
 * document model gives paragraphs and tables), .xlsx and .csv 台账 through
 * exceljs. PDF is refused with a clear message (pdfjs-dist's text layer loses
 * the line structure the parser depends on; export the document as .docx or
 * .txt). The parser (domain/parser) gets text, or blocks when there are tables.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import mammoth from 'mammoth';
import {
  findHeader,
  parseDocument,
  parsePlan,
  type Block,
  type ColumnField,
  type DocumentOptions,
  type ParsedPlan,
} from '../domain/parser/index.ts';

export type ImportErrorCode = 'UNREADABLE' | 'NOT_A_PLAN' | 'DUPLICATE_PLAN' | 'TITLE_REQUIRED' | 'BAD_CORRECTION';

export class ImportError extends Error {
  constructor(
    readonly zh: string,
    readonly en: string,
    readonly code: ImportErrorCode = 'UNREADABLE',
    readonly detail: Record<string, string> = {},
  ) {
    super(`${zh} / ${en}`);
    this.name = 'ImportError';
  }
}

/** A document as read: its text (kept as the plan's source), and its blocks when it has tables. */
export interface PlanSource {
  text: string;
  format: string;
  blocks?: Block[];
}

/**
 * SHA-256 of the normalised text (NFKC, no whitespace): the same document
 * pasted, uploaded as .txt or re-saved hashes the same.
 */
export function sourceHashOf(text: string): string {
  return crypto.createHash('sha256').update(text.normalize('NFKC').replace(/\s+/g, '')).digest('hex');
}

/** Plain text of blocks: paragraphs as lines, table rows as tab-separated lines. */
export function textOfBlocks(blocks: Block[]): string {
  return blocks.map((b) => (b.kind === 'paragraph' ? b.text : b.rows.map((r) => r.join('\t')).join('\n'))).join('\n');
}

interface MammothElement {
  type: string;
  value?: string;
  children?: MammothElement[];
  colSpan?: number;
  rowSpan?: number;
}

/**
 * Table rows as a grid: a cell merged down (rowSpan) repeats its text in the
 * rows below (a 牵头单位 written once for several tasks), a cell merged across
 * (colSpan) keeps its text in its first column.
 */
function tableGrid(rows: { text: string; colSpan: number; rowSpan: number }[][]): string[][] {
  const carry: { text: string; left: number }[] = [];
  return rows.map((cells) => {
    const out: string[] = [];
    let k = 0;
    for (let col = 0; k < cells.length || carry[col]?.left; col++) {
      if (carry[col]?.left) {
        out.push(carry[col].text);
        carry[col].left--;
        continue;
      }
      const c = cells[k++];
      for (let j = 0; j < c.colSpan; j++) {
        out.push(j === 0 ? c.text : '');
        if (c.rowSpan > 1) carry[col + j] = { text: j === 0 ? c.text : '', left: c.rowSpan - 1 };
      }
      col += c.colSpan - 1;
    }
    return out;
  });
}

/** Paragraphs and tables of a .docx, from mammoth's document model (transformDocument). */
async function docxBlocks(bytes: Buffer): Promise<Block[]> {
  const blocks: Block[] = [];
  const textOf = (e: MammothElement): string =>
    e.type === 'text'
      ? (e.value ?? '')
      : e.type === 'tab'
        ? ' '
        : e.type === 'break'
          ? '\n'
          : (e.children ?? []).map(textOf).join(e.type === 'tableCell' ? '\n' : '');
  const walk = (e: MammothElement) => {
    if (e.type === 'paragraph') blocks.push({ kind: 'paragraph', text: textOf(e) });
    else if (e.type === 'table')
      blocks.push({
        kind: 'table',
        rows: tableGrid(
          (e.children ?? [])
            .filter((r) => r.type === 'tableRow')
            .map((r) =>
              (r.children ?? [])
                .filter((c) => c.type === 'tableCell')
                .map((c) => ({ text: textOf(c).trim(), colSpan: c.colSpan ?? 1, rowSpan: c.rowSpan ?? 1 })),
            ),
        ),
      });
    else (e.children ?? []).forEach(walk);
  };
  await mammoth.convertToHtml({ buffer: bytes }, {
    transformDocument: (doc: MammothElement) => {
      walk(doc);
      return doc;
    },
  } as Parameters<typeof mammoth.convertToHtml>[1]);
  return blocks;
}

/** Rows of every worksheet (cell text; merged cells repeat their value), as tables. */
function sheetBlocks(wb: ExcelJS.Workbook): Block[] {
  const blocks: Block[] = [];
  wb.eachSheet((ws) => {
    const rows: string[][] = [];
    const width = ws.columnCount;
    ws.eachRow({ includeEmpty: false }, (row) => {
      const cells: string[] = [];
      for (let c = 1; c <= width; c++) cells.push(row.getCell(c).text.trim());
      rows.push(cells);
    });
    if (rows.length) blocks.push({ kind: 'table', rows });
  });
  return blocks;
}

/** CSV text: UTF-8 (with or without BOM), else GB18030 as Excel saves it on Chinese Windows. */
function decodeCsv(bytes: Buffer): string {
  const utf8 = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (!utf8.includes('\uFFFD')) return utf8.replace(/^\uFEFF/, '');
  try {
    return new TextDecoder('gb18030').decode(bytes);
  } catch {
    throw new ImportError('无法识别 CSV 文件的编码，请另存为 UTF-8。', 'Unknown CSV encoding; save it as UTF-8.');
  }
}

export const MAX_PLAN_BYTES = 10 * 1024 * 1024;

/** Extract the text (and tables) of a plan document. */
export async function readPlanDocument(bytes: Buffer, fileName: string): Promise<PlanSource> {
  if (bytes.length === 0) throw new ImportError('文件为空。', 'The file is empty.');
  if (bytes.length > MAX_PLAN_BYTES) {
    throw new ImportError('文件超过 10 MB 上限。', 'The file exceeds the 10 MB limit.');
  }
  const ext = path.extname(fileName).toLowerCase();
  if (ext === '.txt' || ext === '.md' || ext === '') {
    const text = bytes.toString('utf8');
    if (text.includes('\uFFFD')) {
      throw new ImportError(
        '文件不是 UTF-8 编码的文本，请另存为 UTF-8 后重试。',
        'The file is not UTF-8 text; save it as UTF-8 and retry.',
      );
    }
    // Valid UTF-8 can still be binary (NUL bytes); say so instead of "no task found".
    if (text.includes('\u0000')) {
      throw new ImportError(
        '文件不是文本文档（含二进制内容）。',
        'The file is not a text document (it contains binary data).',
      );
    }
    return { text, format: ext ? ext.slice(1) : 'txt' };
  }
  if (ext === '.docx') {
    try {
      const blocks = await docxBlocks(bytes);
      const hasTable = blocks.some((b) => b.kind === 'table');
      return { text: textOfBlocks(blocks), format: 'docx', ...(hasTable ? { blocks } : {}) };
    } catch (err) {
      throw new ImportError(
        '无法读取该 Word 文档（.docx）。',
        `Cannot read the Word document: ${(err as Error).message}`,
      );
    }
  }
  if (ext === '.xlsx') {
    const wb = new ExcelJS.Workbook();
    try {
      await wb.xlsx.load(bytes as unknown as ArrayBuffer);
    } catch (err) {
      throw new ImportError(
        '无法读取该 Excel 文件（.xlsx）。',
        `Cannot read the Excel workbook: ${(err as Error).message}`,
      );
    }
    const blocks = sheetBlocks(wb);
    if (!blocks.length) throw new ImportError('Excel 文件中没有任何数据。', 'The workbook holds no data.');
    return { text: textOfBlocks(blocks), format: 'xlsx', blocks };
  }
  if (ext === '.csv') {
    const wb = new ExcelJS.Workbook();
    try {
      await wb.csv.read(Readable.from([decodeCsv(bytes)]), { parserOptions: { delimiter: ',' } });
    } catch (err) {
      if (err instanceof ImportError) throw err;
      throw new ImportError('无法读取该 CSV 文件。', `Cannot read the CSV file: ${(err as Error).message}`);
    }
    const blocks = sheetBlocks(wb);
    if (!blocks.length) throw new ImportError('CSV 文件中没有任何数据。', 'The CSV file holds no data.');
    return { text: textOfBlocks(blocks), format: 'csv', blocks };
  }
  if (ext === '.xls') {
    throw new ImportError(
      '暂不支持旧版 Excel（.xls），请另存为 .xlsx 后导入。',
      'Legacy .xls is not supported; save the workbook as .xlsx.',
    );
  }
  if (ext === '.pdf') {
    throw new ImportError(
      '暂不支持 PDF，请将方案另存为 .docx 或 .txt 后导入。',
      'PDF is not supported; save the plan as .docx or .txt.',
    );
  }
  throw new ImportError(`不支持的文件类型：${ext}`, `Unsupported file type: ${ext}`);
}

export interface ParseSourceOptions {
  /** The import day (YYYY-MM-DD, Asia/Shanghai): earlier deadlines are flagged past. */
  today?: string;
  /** Which document of a compilation to read. */
  documentIndex?: number;
  /** The office's column mapping for a table or 台账. */
  columns?: (ColumnField | null)[];
}

function refuseEmpty(parsed: ParsedPlan): ParsedPlan {
  if (parsed.tasks.length === 0) {
    throw new ImportError(
      '未能从文件中识别出任何任务，请确认这是一份实施方案（任务应为编号标题、编号条目或带“主要任务 / 牵头单位”表头的表格）。',
      'No task found: is this an implementation plan?',
      'NOT_A_PLAN',
    );
  }
  return parsed;
}

/** Text → parsed plan, refusing documents that are not plans. */
export function parsePlanText(text: string, docName?: string, opts: ParseSourceOptions = {}): ParsedPlan {
  return refuseEmpty(parsePlan(text, { docName, includeBody: true, ...opts }));
}

/**
 * Text pasted from a spreadsheet (tab-separated rows) as blocks, when its rows
 * hold a task table; undefined for ordinary text.
 */
export function tabularBlocks(text: string): Block[] | undefined {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  if (lines.filter((l) => (l.match(/\t/g) ?? []).length >= 2).length < 2) return undefined;
  const blocks: Block[] = [];
  for (const line of lines) {
    if ((line.match(/\t/g) ?? []).length >= 1 && line.trim()) {
      const last = blocks.at(-1);
      const cells = line.split('\t').map((c) => c.trim());
      if (last?.kind === 'table') last.rows.push(cells);
      else blocks.push({ kind: 'table', rows: [cells] });
    } else if (line.trim()) blocks.push({ kind: 'paragraph', text: line.trim() });
  }
  return blocks.some((b) => b.kind === 'table' && findHeader(b.rows)) ? blocks : undefined;
}

/** A read document (text, or blocks with tables) → parsed plan, refusing documents that are not plans. */
export function parsePlanSource(source: PlanSource, docName?: string, opts: ParseSourceOptions = {}): ParsedPlan {
  const options: DocumentOptions = { docName, includeBody: true, ...opts };
  const blocks = source.blocks ?? tabularBlocks(source.text);
  const tables = (blocks ?? []).filter((b) => b.kind === 'table');
  if ((source.format === 'xlsx' || source.format === 'csv') && !tables.some((b) => findHeader(b.rows))) {
    throw new ImportError(
      '表格中未找到任务表头：至少需要“任务”一列（如“主要任务”“重点工作”“任务名称”），以及“牵头单位”或“完成时限”一列。',
      'No task header found in the spreadsheet: it needs a task column and a lead or deadline column.',
      'NOT_A_PLAN',
    );
  }
  return refuseEmpty(blocks ? parseDocument(blocks, options) : parsePlan(source.text, options));
}
