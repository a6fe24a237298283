// A plan's metadata, read from the lines above its first heading: title,
// issuer(s), 文号, date; the departments of a member-list annex; and where a
// compilation of several documents splits.

import { halfWidthDigits } from './deadlines';
import { isDepartmentName } from './responsibility';
import type { ParsedPlan } from './types';

const DOC_NUMBER_RE = /[\u4e00-\u9fa5]{1,8}[〔[［(（【]\s*(?:19|20)\d{2}\s*[〕\]］)）】]\s*\d+\s*号/;

export function findDocNumber(header: string[]): string | null {
  for (const l of header) {
    const m = /(?:发文字号|文\s*号)\s*[:：]?\s*(\S+号)/.exec(l);
    if (m && DOC_NUMBER_RE.test(m[1])) return DOC_NUMBER_RE.exec(m[1])![0];
  }
  for (const l of header) {
    if (/《/.test(l)) continue;
    const m = DOC_NUMBER_RE.exec(l);
    if (m) return m[0].replace(/\s+/g, '');
  }
  return null;
}

export function findIssuers(header: string[]): { issuer: string | null; co: string[] } {
  for (const l of header) {
    const m = /发文机关\s*[:：]\s*(\S+)/.exec(l);
    if (m) return { issuer: m[1], co: [] };
  }
  for (const l of header) {
    const m = /发布机构\s*[:：]?\s*(.+?)\s+(?:文\s*号|发文|主题|$)/.exec(l);
    if (m) {
      const names = m[1].split(/\s+/).filter(Boolean);
      if (names.length) return { issuer: names[0], co: names.slice(1) };
    }
  }
  // Joint issuers before 关于, separated by spaces: "A委员会 B局 C局关于印发…".
  for (const l of header) {
    const m = /^(.+?)关于/.exec(l);
    if (!m || !/\s/.test(m[1].trim())) continue;
    const names = m[1].trim().split(/\s+/);
    if (names.length > 1 && names.every((n) => /(?:政府|办公室|办公厅|委员会|局|委|厅|部|院|中心|办)$/.test(n)))
      return { issuer: names[0], co: names.slice(1) };
  }
  for (const l of header) {
    const m =
      /^([\u4e00-\u9fa5]{2,30}?(?:人民政府办公室|人民政府办公厅|人民政府|委员会办公室|委员会|办公室|办公厅|厅|局|委))关于/.exec(
        l,
      );
    if (m) return { issuer: m[1], co: [] };
  }
  return { issuer: null, co: [] };
}

const TITLE_END_RE =
  /(?:实施方案|工作方案|行动方案|方案|实施意见|意见|办法|规划|计划|细则|重点工作任务|工作任务|重点任务|工作要点|任务清单|清单|分解表|台账|任务表)$/;

export function findTitle(header: string[]): string | null {
  for (let i = header.length - 1; i >= 0; i--) {
    const l = header[i];
    if (!TITLE_END_RE.test(l) || /[，,。；;：:]/.test(l) || /通知$/.test(l)) continue;
    let title = l;
    // A title broken over lines: join short, unpunctuated lines above it.
    for (let j = i - 1; j >= 0; j--) {
      const p = header[j];
      if (p.length > 24 || /[，,。；;：:()（）《》〔〕[\]]/.test(p) || /(?:通知|号|日)$/.test(p) || /\d/.test(p)) break;
      title = p + title;
    }
    return title.replace(/\s+/g, '');
  }
  // Only the notice names it: 关于印发…的通知, or the 《…》 it hands out (现将《…》印发 /
  // 《…》已经…同意). A 《…》 the plan cites (根据 / 贯彻落实《…》) is another document.
  for (const l of header) {
    const m = /印发(.+?)的通知/.exec(l);
    if (m && !/《/.test(m[1])) return m[1].replace(/\s+/g, '');
  }
  for (const l of header) {
    if (/根据|依据|贯彻|落实|按照|参照/.test(l) && !/现将|印发给/.test(l)) continue;
    if (!/现将|印发|已经|同意/.test(l)) continue;
    const m = /《([^》]+)》/.exec(l);
    if (m) return m[1].replace(/\s+/g, '');
  }
  return null;
}

// A committee member list (附件): "张三 市卫健局局长", "市财政局、市医保局" …
const MEMBER_RE =
  /(?:^|[\s，,、；;：:（(.．0-9])((?:市|县|省|区|州)[\u4e00-\u9fa5]{1,8}?(?:局|委|办|厅|部))(?=局长|副局长|主任|副主任|部长|副部长|书记|$|[\s，,、；;）)])/g;

export function annexDepartments(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(MEMBER_RE)) if (isDepartmentName(m[1]) && !out.includes(m[1])) out.push(m[1]);
  return out;
}

// A document starts at its own notice or title line followed by its 文号.
const DOC_START_RE = /关于.+的(?:通知|意见|决定|批复|函)$/;

/** Split a compilation into its documents (line ranges); one range for an ordinary file. */
export function splitDocuments(lines: string[]): Array<[number, number]> {
  const starts: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (/[:：]/.test(l) || /^[0-9０-９]+[.．、]/.test(l) || !DOC_START_RE.test(l)) continue;
    if (!lines.slice(i + 1, i + 4).some((n) => DOC_NUMBER_RE.test(n) && n.length < 30)) continue;
    starts.push(i);
  }
  if (starts.length < 2) return [[0, lines.length]];
  return starts.map((s, k) => [s, k + 1 < starts.length ? starts[k + 1] : lines.length]);
}

export function findIssuedOn(header: string[]): string | null {
  const iso = (y: string, m: string, d: string) => `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
  for (const l of header) {
    const m = /成文日期\s*[:：]\s*((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日/.exec(halfWidthDigits(l));
    if (m) return iso(m[1], m[2], m[3]);
  }
  for (const l of header) {
    const m = /^((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日$/.exec(halfWidthDigits(l.replace(/\s+/g, '')));
    if (m) return iso(m[1], m[2], m[3]);
  }
  return null;
}

export function metadataWarnings(plan: ParsedPlan): void {
  const w = plan.warnings;
  if (!plan.tasks.length) w.push({ code: 'NO_TASKS', message: '未识别出任何任务。', messageEn: 'No task found.' });
  if (plan.tasks.length && plan.tasks.every((t) => t.lead.length === 0))
    w.push({
      code: 'NO_DEPARTMENTS',
      message: '方案未按任务写明责任单位：所有任务均待办公室指派，系统未自动指定任何单位。',
      messageEn: 'The plan names no department per task: every task awaits assignment; none was guessed.',
    });
  if (!plan.title)
    w.push({
      code: 'NO_TITLE',
      message: '未找到方案标题，请在导入前填写。',
      messageEn: 'Plan title not found; enter it before importing.',
    });
  if (!plan.doc_number)
    w.push({ code: 'NO_DOC_NUMBER', message: '未找到文号。', messageEn: 'Document number not found.' });
}
