/**
 * Reading a plan document: .txt / .md as text, .docx through mammoth. PDF is
 * refused with a clear message (pdfjs-dist's text layer loses the line
 * structure the parser depends on; export the document as .docx or .txt).
 */
import path from 'node:path';
import mammoth from 'mammoth';
import { parsePlan, type ParsedPlan } from '../domain/parser/index.ts';

export class ImportError extends Error {
  constructor(
    readonly zh: string,
    readonly en: string,
  ) {
    super(`${zh} / ${en}`);
    this.name = 'ImportError';
  }
}

export const MAX_PLAN_BYTES = 10 * 1024 * 1024;

/** Extract the text of a plan document. */
export async function readPlanDocument(bytes: Buffer, fileName: string): Promise<{ text: string; format: string }> {
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
      const { value } = await mammoth.extractRawText({ buffer: bytes });
      return { text: value, format: 'docx' };
    } catch (err) {
      throw new ImportError(
        '无法读取该 Word 文档（.docx）。',
        `Cannot read the Word document: ${(err as Error).message}`,
      );
    }
  }
  if (ext === '.pdf') {
    throw new ImportError(
      '暂不支持 PDF，请将方案另存为 .docx 或 .txt 后导入。',
      'PDF is not supported; save the plan as .docx or .txt.',
    );
  }
  throw new ImportError(`不支持的文件类型：${ext}`, `Unsupported file type: ${ext}`);
}

/** Text → parsed plan, refusing documents that are not plans. */
export function parsePlanText(text: string, docName?: string): ParsedPlan {
  const parsed = parsePlan(text, { docName, includeBody: true });
  if (parsed.tasks.length === 0) {
    throw new ImportError(
      '未能从文件中识别出任何任务，请确认这是一份实施方案。',
      'No task found: is this an implementation plan?',
    );
  }
  return parsed;
}
