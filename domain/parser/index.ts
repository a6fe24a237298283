// Plan importer: the published text of an implementation plan (实施方案) →
// tasks with lead/cooperating departments, deadlines, targets, recurrence.
// Text only; reading .docx/.pdf happens in activities/ (mammoth), not here.
//
// Structure. Headings nest 一、 > (一) > 1. > (1) (any bracket width); a plan
// may also number tasks straight through (1)…(n). Tasks are the leaf
// headings of the plan's sections, except:
//   - preamble sections (指导思想, 基本原则, 总体要求, 总体/工作目标 …) hold
//     no tasks; their dated goals become plan targets;
//   - in safeguard sections (组织保障, 保障措施, 工作要求 …) a leaf is a task
//     only when it names a responsible department;
//   - a section without sub-headings is a task only when it names one.
// Everything after 附件 is an annex (member lists), not body text.
//
// Responsibility, deadlines and targets: see responsibility.ts,
// deadlines.ts, targets.ts. A task whose text names no department stays
// unassigned (lead []) with a warning: the importer never invents one.

import type { WorkingCalendar } from '../calendar';
import type { IsoDate } from '../types';
import { findDeadlines, findRecurrences, findRelativeDeadlines } from './deadlines';
import { findResponsibility, isDepartmentName } from './responsibility';
import { sentences, targetsInClause, targetsInSentence } from './targets';
import type { ParsedDeadline, ParsedPlan, ParsedTarget, ParsedTask, ParseWarning } from './types';

export * from './types';
export { findDeadlines, findRelativeDeadlines, findRecurrences, halfWidthDigits, parseNumeral } from './deadlines';
export {
  findResponsibility,
  findAnnotation,
  findInTextResponsibility,
  parseAnnotation,
  splitDepartments,
  bracketGroups,
} from './responsibility';
export { targetsInClause, targetsInSentence, tidyClause, metricOf } from './targets';

export interface ParseOptions {
  /** File name, copied to `doc`. */
  docName?: string;
  /** Base date for relative deadlines (在5个工作日内), e.g. the assignment day. */
  baseDate?: IsoDate;
  /** Calendar for working-day relative deadlines. */
  calendar?: WorkingCalendar;
  /** Include each task's full text as `body` (default false). */
  includeBody?: boolean;
}

type Level = 1 | 2 | 3 | 4;

interface Node {
  level: Level | 0;
  label: string;
  title: string;
  lines: string[];
  children: Node[];
  parent: Node | null;
}

const CN_NUM = '[一二三四五六七八九十百]+';
const HEADING: Array<{ level: Level; re: RegExp }> = [
  { level: 1, re: new RegExp(`^(${CN_NUM}、)\\s*(.*)$`) },
  { level: 2, re: new RegExp(`^([（(]${CN_NUM}[)）])\\s*(.*)$`) },
  { level: 3, re: /^([0-9０-９]{1,2}[.．、](?![0-9０-９]))\s*(.*)$/ },
  { level: 4, re: /^([（(][0-9０-９]{1,2}[)）])\s*(.*)$/ },
];

const PREAMBLE_RE = /指导思想|基本原则|总体要求|总体目标|工作目标|主要目标|发展目标|目标任务|总体思路|适用范围/;
const SAFEGUARD_RE = /保障|工作要求|组织领导|组织实施/;
const ANNEX_RE = /^附\s*件/;
const NOISE_RE = /^(?:[—\-－]\s*\d+\s*[—\-－]|扫一扫|已阅|打印|关闭|分享到)/;

function headingOf(line: string): { level: Level; marker: string; rest: string } | null {
  for (const h of HEADING) {
    const m = h.re.exec(line);
    if (m) return { level: h.level, marker: m[1], rest: m[2] };
  }
  return null;
}

/** Split a heading's text into its title and run-in body at the first 。. */
function splitRunIn(rest: string): { title: string; body: string } {
  const i = rest.indexOf('。');
  if (i < 0) return { title: rest.trim(), body: '' };
  return { title: rest.slice(0, i).trim(), body: rest.slice(i + 1).trim() };
}

function cleanLines(text: string): string[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.replace(/[\u3000\u00a0\t]/g, ' ').trim())
    .filter((l) => l.length > 0 && !NOISE_RE.test(l));
}

function buildTree(lines: string[]): Node {
  const root: Node = { level: 0, label: '', title: '', lines: [], children: [], parent: null };
  let current = root;
  for (const line of lines) {
    const h = headingOf(line);
    if (!h) {
      current.lines.push(line);
      continue;
    }
    let parent = current;
    while (parent.level !== 0 && parent.level >= h.level) parent = parent.parent!;
    let node: Node;
    if (h.level === 4) {
      // (1)(2) items are sentences, not titled headings: the path keeps the number only.
      node = { level: 4, label: h.marker, title: splitRunIn(h.rest).title, lines: [h.rest], children: [], parent };
    } else {
      const { title, body } = splitRunIn(h.rest);
      node = { level: h.level, label: `${h.marker}${title}`, title, lines: body ? [body] : [], children: [], parent };
    }
    parent.children.push(node);
    current = node;
  }
  return root;
}

function pathOf(node: Node): string[] {
  const path: string[] = [];
  for (let n: Node | null = node; n && n.level !== 0; n = n.parent) path.unshift(n.label);
  return path;
}

function leaves(node: Node): Node[] {
  return node.children.length === 0 ? [node] : node.children.flatMap(leaves);
}

function dedupeDeadlines(ds: ParsedDeadline[]): ParsedDeadline[] {
  const seen = new Set<string>();
  return ds.filter((d) => (seen.has(d.text) ? false : (seen.add(d.text), true)));
}

/** Targets of task text: a target takes the date of a deadline in its own sentence. */
function taskTargets(text: string): ParsedTarget[] {
  const out: ParsedTarget[] = [];
  for (const s of sentences(text)) {
    const date = findDeadlines(s.text)[0]?.date ?? null;
    out.push(...targetsInSentence(s.text, { date }));
  }
  return out;
}

/**
 * How far a qualitative goal reaches past its first clause (within the sentence):
 * a first clause that only says "carry on building X" (…建设) has no checkable
 * outcome, so the next clause belongs to it; clauses stating a state change
 * (更加, 进一步, 显著, 明显) continue the same goal.
 */
function extendGoal(rest: string, firstEnd: number): number {
  let end = firstEnd;
  let prev = rest.slice(0, firstEnd);
  for (let first = true; ; first = false) {
    if (!/^[，,]/.test(rest.slice(end))) return end;
    const next = rest.slice(end + 1);
    const stop = next.search(/[，,。；;]/);
    const clause = stop < 0 ? next : next.slice(0, stop);
    const continues = (first && /建设$/.test(prev)) || /更加|进一步|显著|明显/.test(clause);
    if (!continues || targetsInClause(clause).length) return end;
    end += 1 + clause.length;
    prev = clause;
  }
}

/**
 * Dated goals of preamble paragraphs: each date phrase starts a goal; a goal
 * whose first clause carries no number is qualitative (value null). Numeric
 * targets after a date phrase in the same paragraph take that date.
 */
function preambleTargets(paragraph: string): ParsedTarget[] {
  const ds = findDeadlines(paragraph);
  if (!ds.length) return [];
  const found: Array<{ at: number; t: ParsedTarget }> = [];
  for (const d of ds) {
    let from = d.end;
    if (/[，,：:]/.test(paragraph[from] ?? '')) from++;
    const rest = paragraph.slice(from);
    const stop = rest.search(/[，,。；;]/);
    const clause = stop < 0 ? rest : rest.slice(0, stop);
    if (!clause.trim() || targetsInClause(clause).length) continue;
    const goalEnd = from + extendGoal(rest, clause.length);
    found.push({
      at: d.index,
      t: {
        text: paragraph.slice(d.index, goalEnd),
        metric: `${clause.trim()}(定性)`,
        value: null,
        unit: null,
        comparator: null,
        date: d.date!,
      },
    });
  }
  const start = ds[0].index;
  for (const s of sentences(paragraph)) {
    const sEnd = s.start + s.text.length;
    if (sEnd <= start) continue;
    const scoped = ds.filter((d) => d.index < sEnd);
    const date = scoped[scoped.length - 1]?.date ?? null;
    // Only the part of the sentence after the first date phrase.
    const offset = Math.max(0, start - s.start);
    const body = s.text.slice(offset);
    const base = s.start + offset;
    targetsInSentence(body, { date }).forEach((t, i) => {
      const at = paragraph.indexOf(t.text, base);
      found.push({ at: at >= 0 ? at : base + i / 100, t });
    });
  }
  found.sort((a, b) => a.at - b.at);
  return found.map((f) => f.t);
}

// ------------------------------------------------------------------ metadata

const DOC_NUMBER_RE = /[\u4e00-\u9fa5]{1,8}[〔[［(（【]\s*(?:19|20)\d{2}\s*[〕\]］)）】]\s*\d+\s*号/;

function findDocNumber(header: string[]): string | null {
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

function findIssuers(header: string[]): { issuer: string | null; co: string[] } {
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
  for (const l of header) {
    const m =
      /^([\u4e00-\u9fa5]{2,30}?(?:人民政府办公室|人民政府办公厅|人民政府|委员会办公室|委员会|办公室|办公厅|厅|局|委))关于/.exec(
        l,
      );
    if (m) return { issuer: m[1], co: [] };
  }
  return { issuer: null, co: [] };
}

const TITLE_END_RE = /(?:实施方案|工作方案|行动方案|方案|实施意见|意见|办法|规划|计划|细则)$/;

function findTitle(header: string[]): string | null {
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
  // Only the notice names it: 《…方案》 or 关于印发…方案的通知.
  for (const l of header) {
    const m =
      /《([^》]+?(?:方案|意见|办法|规划|计划|细则))》/.exec(l) ??
      /印发(.+?(?:方案|意见|办法|规划|计划|细则))的通知/.exec(l);
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

// ------------------------------------------------------------------- parsePlan

export function parsePlan(text: string, options: ParseOptions = {}): ParsedPlan {
  const all = cleanLines(text);
  let start = all.findIndex((l) => /^一、/.test(l));
  if (start < 0) start = all.findIndex((l) => headingOf(l) !== null);
  if (start < 0) start = all.length;
  let end = all.findIndex((l, i) => i > start && ANNEX_RE.test(l));
  if (end < 0) end = all.length;
  const header = all.slice(0, start);
  const body = all.slice(start, end);
  const annex = all.slice(end);

  const tree = buildTree(body);
  const warnings: ParseWarning[] = [];
  const tasks: ParsedTask[] = [];
  const planTargets: ParsedTarget[] = [];

  for (const section of tree.children) {
    if (PREAMBLE_RE.test(section.title)) {
      const paragraphs = [
        section,
        ...section.children.flatMap(function walk(n): Node[] {
          return [n, ...n.children.flatMap(walk)];
        }),
      ].flatMap((n) => n.lines);
      for (const p of paragraphs) planTargets.push(...preambleTargets(p));
      continue;
    }
    const safeguard = SAFEGUARD_RE.test(section.title);
    for (const leaf of leaves(section)) {
      const content = [leaf.level === 4 ? '' : leaf.title, ...leaf.lines].filter(Boolean).join('\n');
      const resp = findResponsibility(content);
      const named = resp.lead.length > 0 || resp.cooperating.length > 0;
      if ((safeguard || leaf === section) && !named) continue;
      const deadlines = dedupeDeadlines(findDeadlines(content).map(({ text: t, date }) => ({ text: t, date })));
      const recurrences = findRecurrences(content).filter((r) => r !== 'weekly');
      const task: ParsedTask = {
        path: pathOf(leaf),
        title: leaf.title,
        lead: resp.lead,
        cooperating: resp.cooperating,
        deadlines,
        targets: taskTargets(content),
        recurrence: (recurrences[0] as ParsedTask['recurrence']) ?? null,
        responsibility_source: resp.source,
      };
      const rel = findRelativeDeadlines(content, { baseDate: options.baseDate, calendar: options.calendar });
      if (rel.length) task.relative_deadlines = rel;
      if (resp.lead.length === 0) {
        task.unassigned = true;
        warnings.push({
          code: 'UNASSIGNED_TASK',
          message: resp.cooperating.length
            ? `no lead department named (only ${resp.cooperating.join('、')} in a supporting role); assign one`
            : 'no responsible department named in the text; assign one',
          path: task.path,
        });
      }
      if (options.includeBody) task.body = content;
      tasks.push(task);
    }
  }

  // Roster: departments as they appear in tasks, then annex members not seen.
  const departments: string[] = [];
  const add = (d: string) => {
    if (!departments.includes(d)) departments.push(d);
  };
  for (const t of tasks) [...t.lead, ...t.cooperating].forEach(add);
  for (const l of annex) if (!/名单|方案|通知/.test(l)) annexDepartments(l).forEach(add);

  const { issuer, co } = findIssuers(header);
  const plan: ParsedPlan = {
    ...(options.docName ? { doc: options.docName } : {}),
    title: findTitle(header),
    issuer,
    ...(co.length ? { co_issuers: co } : {}),
    doc_number: findDocNumber(header),
    departments,
    tasks,
    plan_targets: planTargets,
    warnings,
  };
  if (!tasks.length) warnings.push({ code: 'NO_TASKS', message: 'no task headings found' });
  if (!plan.title) warnings.push({ code: 'NO_TITLE', message: 'plan title not found' });
  if (!plan.doc_number) warnings.push({ code: 'NO_DOC_NUMBER', message: 'document number not found' });
  return plan;
}
