// Plan importer: the published text of an implementation plan (实施方案) →
// tasks with lead/cooperating departments, deadlines, targets, recurrence.
// Text only; reading .docx/.xlsx/.csv happens in activities/ (mammoth,
// exceljs); tables arrive as blocks (table.ts: task tables, 台账, 附件分工表).
//
// Structure. Headings nest 一、 > (一) > 1. > (1) (any bracket width). Items
// numbered (1)…(n) or 1.…n. inside running paragraphs, several per paragraph
// and possibly straight through sections, are split out (splitInline). Tasks
// are the leaves of the plan's sections, except:
//   - goal and principle sections (总体要求, 主要目标, 基本原则 …, or any section
//     whose content is goals/principles and names no one) hold no tasks; their
//     dated goals become plan targets;
//   - in safeguard sections (组织保障, 保障措施, 工作要求 …) a leaf is a task
//     only when it names a responsible department;
//   - a section without sub-headings is a task only when it names one.
// Everything after 附件 is an annex (member lists), not body text. A file
// holding several documents (a compilation) is split; the one read is said.
//
// Responsibility: see responsibility.ts, plus what plans write once for all:
// "列在首位的为牵头单位" / "排在第一位的为牵头部门，下同" (first listed leads),
// "以下任务均需各区市政府落实" (added to every task as cooperating), "以上任务由
// X牵头，Y配合" after a group of items. Generic bodies of the narrative (县级
// 医院要…) are never responsible. A task naming no department stays
// unassigned (lead []) with a warning: the importer never invents one.
//
// Dates: deadlines.ts; month-only phases take the year before them, 年内 the
// plan's year; with options.today, dates before it are flagged `past`.
// Every task carries `evidence`: the span each field was read from, and why.
// Warnings are Chinese (message) with English second (messageEn).

import { cadenceCode, findReportCadence } from '../cadence';
import type { WorkingCalendar } from '../calendar';
import type { IsoDate } from '../types';
import {
  findDeadlines,
  findRecurrences,
  findRelativeDeadlines,
  halfWidthDigits,
  type DeadlineContext,
} from './deadlines';
import {
  FIRST_IS_LEAD_RE,
  findResponsibility,
  isDepartmentName,
  splitDepartments,
  type Responsibility,
} from './responsibility';
import { sentences, targetsInClause, targetsInSentence } from './targets';
import type { Evidence, ParsedDeadline, ParsedPlan, ParsedTarget, ParsedTask, ParseWarning } from './types';

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
export { parseDocument, mapColumns, findHeader, COLUMN_FIELD_ZH, type Block, type DocumentOptions } from './table';

export interface ParseOptions {
  /** File name, copied to `doc`. */
  docName?: string;
  /** Base date for relative deadlines (在5个工作日内), e.g. the assignment day. */
  baseDate?: IsoDate;
  /** Calendar for working-day relative deadlines. */
  calendar?: WorkingCalendar;
  /** Include each task's full text as `body` (default false). */
  includeBody?: boolean;
  /** The import day (YYYY-MM-DD): deadlines before it are flagged `past`. */
  today?: IsoDate;
  /** For a file holding several documents: which one to read (default: the one with most tasks). */
  documentIndex?: number;
}

type Level = 1 | 2 | 3 | 4;

interface Node {
  level: Level | 0;
  label: string;
  title: string;
  lines: string[];
  children: Node[];
  parent: Node | null;
  /** Numbered item found inside running text, not on a line of its own. */
  inline?: boolean;
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
export function taskTargets(text: string, dctx: DeadlineContext = {}): ParsedTarget[] {
  const out: ParsedTarget[] = [];
  for (const s of sentences(text)) {
    const date = findDeadlines(s.text, dctx)[0]?.date ?? null;
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

export const DOC_NUMBER_RE = /[\u4e00-\u9fa5]{1,8}[〔[［(（【]\s*(?:19|20)\d{2}\s*[〕\]］)）】]\s*\d+\s*号/;

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

// ------------------------------------------------------------------- parsePlan

/** "以下任务均需各区市政府落实，不再一一列出": a body implied for every task that follows. */
const IMPLICIT_OWNER_RE =
  /(?:以下|下列|各项|所有|本方案)(?:各项)?(?:任务|工作)(?:均需|均由|都需|均要|均应|需)(?:由)?([^，,。；;]{2,20}?)(?:负责落实|抓好落实|落实|负责|参与|配合)/;
/** "以上任务由市医保局牵头，市卫健委配合。": responsibility written once after a group of tasks. */
const TRAILING_RE =
  /(?:以上|上述)(?:[0-9０-９一二三四五六七八九十]+项)?(?:各项)?(?:任务|工作|事项)(?:均)?由([^，,。；;]+?)(?:牵头负责|牵头|负责)(?:[，,]\s*([^。；;]+?)(?:配合|参与|协同|协助))?[。；;]?\s*$/;

interface TrailingResp {
  lead: string[];
  cooperating: string[];
  span: string;
}

function trailingResponsibility(text: string): { text: string; resp: TrailingResp } | null {
  const m = TRAILING_RE.exec(text);
  if (!m) return null;
  const leads = splitDepartments(m[1]);
  if (!leads.length || !leads.every(isDepartmentName)) return null;
  const coop = m[2] ? splitDepartments(m[2]).filter(isDepartmentName) : [];
  return {
    text: text.slice(0, m.index).trim(),
    resp: { lead: [leads[0]], cooperating: [...leads.slice(1), ...coop], span: m[0].trim() },
  };
}

// Inline items: (1)…(n) or 1.…n. inside running paragraphs.
const INLINE_RE = /(^|[。；;！？\n）)：:])\s*(?:([（(])([0-9０-９]{1,3})[)）]|([0-9０-９]{1,3})[.．、](?![0-9０-９]))/g;

interface InlineCounters {
  paren: number;
  dot: number;
}

/**
 * Split a leaf's running text into its numbered items. A number is an item
 * when it continues the plan's own count (1, 2, … possibly straight through
 * sections) or restarts at 1; the text before the first item is narrative.
 */
function splitInline(node: Node, counters: InlineCounters): void {
  if (node.children.length) {
    for (const c of [...node.children]) splitInline(c, counters);
    return;
  }
  const text = node.lines.join('\n');
  const items: Array<{ at: number; start: number; label: string; n: number; style: 'paren' | 'dot' }> = [];
  let expect: Record<'paren' | 'dot', number> = { paren: counters.paren + 1, dot: counters.dot + 1 };
  if (node.level === 4) {
    const own = Number(halfWidthDigits(/[0-9０-９]+/.exec(node.label)?.[0] ?? '0'));
    expect = { paren: own + 1, dot: counters.dot + 1 };
  }
  let style: 'paren' | 'dot' | null = node.level === 4 ? 'paren' : null;
  for (const m of text.matchAll(INLINE_RE)) {
    const s: 'paren' | 'dot' = m[2] ? 'paren' : 'dot';
    if (style && s !== style) continue;
    const n = Number(halfWidthDigits(m[3] ?? m[4]));
    const first = items.length === 0;
    if (n !== expect[s] && !(first && n === 1 && node.level !== 4)) continue;
    const at = (m.index ?? 0) + m[1].length;
    const label = m[2] ? `${m[2] === '(' ? '(' : '（'}${m[3]}${m[2] === '(' ? ')' : '）'}` : `${m[4]}.`;
    items.push({ at, start: (m.index ?? 0) + m[0].length, label, n, style: s });
    style = s;
    expect = { ...expect, [s]: n + 1 };
  }
  if (!items.length) return;
  // One lone "1." in a paragraph is a list in passing, not a task list.
  if (node.level !== 4 && items.length < 2 && items[0].n === 1) return;
  const st = items[0].style;
  counters[st] = items[items.length - 1].n;
  const intro = text.slice(0, items[0].at).trim();
  const made: Node[] = items.map((it, k) => {
    const body = text.slice(it.start, k + 1 < items.length ? items[k + 1].at : undefined).trim();
    return {
      level: node.level === 4 ? 4 : st === 'paren' ? 4 : 3,
      label: it.label,
      title: splitRunIn(body).title,
      lines: [body],
      children: [],
      parent: node.level === 4 ? node.parent : node,
      inline: true,
    } as Node;
  });
  if (node.level === 4) {
    node.lines = [intro];
    node.title = splitRunIn(intro).title;
    const siblings = node.parent!.children;
    siblings.splice(siblings.indexOf(node) + 1, 0, ...made);
  } else {
    node.lines = intro ? [intro] : [];
    node.children = made;
  }
}

/** A section of goals or principles (总体要求, 主要目标, 基本原则 …), read from its content. */
function isGoalSection(section: Node, annotated: (n: Node) => boolean): boolean {
  const all = [section, ...descendants(section)];
  if (all.some(annotated)) return false;
  if (PREAMBLE_RE.test(section.title)) return true;
  const text = all.flatMap((n) => [n.title, ...n.lines]).join('。');
  const ss = sentences(text).filter((x) => x.text.trim().length > 3);
  if (!ss.length) return false;
  const goalLike = ss.filter((x) =>
    /^(?:坚持|以[^，,。]{1,20}为|到(?:19|20)\d{2}年|力争|确保到|(?:19|20)\d{2}年(?:底)?前?[，,])/.test(x.text.trim()),
  ).length;
  return goalLike / ss.length >= 0.5 && section.children.every((c) => c.children.length === 0);
}

function descendants(n: Node): Node[] {
  return n.children.flatMap((c) => [c, ...descendants(c)]);
}

function contentOf(leaf: Node): string {
  return [leaf.level === 4 || leaf.inline ? '' : leaf.title, ...leaf.lines].filter(Boolean).join('\n');
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

function findIssuedOn(header: string[]): string | null {
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

const zhDate = (d: string) => `${Number(d.slice(0, 4))}年${Number(d.slice(5, 7))}月${Number(d.slice(8, 10))}日`;

/** Parse one document's lines. */
function parseLines(all: string[], options: ParseOptions): ParsedPlan {
  let start = all.findIndex((l) => /^一、/.test(l));
  const firstHeading = all.findIndex((l) => headingOf(l) !== null && !/[:：]/.test(l.slice(0, 6)));
  if (start < 0 || (firstHeading >= 0 && firstHeading < start && /^[（(]一[)）]/.test(all[firstHeading])))
    start = firstHeading;
  if (start < 0) start = all.length;
  let end = all.findIndex((l, i) => i > start && ANNEX_RE.test(l));
  if (end < 0) end = all.length;
  const header = all.slice(0, start);
  const body = all.slice(start, end);
  const annex = all.slice(end);

  const warnings: ParseWarning[] = [];
  const tasks: ParsedTask[] = [];
  const planTargets: ParsedTarget[] = [];

  const title = findTitle(header);
  const issuedOn = findIssuedOn(header);
  const yearInTitle = title ? /((?:19|20)\d{2})年/.exec(halfWidthDigits(title))?.[1] : undefined;
  const planYear = issuedOn ? Number(issuedOn.slice(0, 4)) : yearInTitle ? Number(yearInTitle) : null;
  const dctx = { planYear };

  // Conventions written once for the whole plan.
  const wholeText = [...header, ...body].join('\n');
  const firstIsLead = FIRST_IS_LEAD_RE.exec(wholeText);
  if (firstIsLead) {
    warnings.push({
      code: 'RESPONSIBILITY_CONVENTION',
      message: `方案写明“${firstIsLead[0].replace(/^[，,；;、\s]+/, '')}”：各任务所列单位中首位为牵头单位，其余为配合单位。`,
      messageEn: 'The plan says the first unit listed leads; the others cooperate.',
    });
  }
  const implicit = IMPLICIT_OWNER_RE.exec(wholeText);
  const implicitOwners = implicit ? splitDepartments(implicit[1]).filter(isDepartmentName) : [];
  if (implicitOwners.length) {
    warnings.push({
      code: 'IMPLICIT_OWNER',
      message: `方案写明“${implicit![0]}”：已将${implicitOwners.join('、')}列为每项任务的配合单位。`,
      messageEn: `The plan names ${implicitOwners.join(', ')} for every task; added as cooperating.`,
    });
  }

  const tree = buildTree(body);
  const counters: InlineCounters = { paren: 0, dot: 0 };
  for (const section of tree.children) splitInline(section, counters);

  // Trailing "以上任务由X牵头": strip it from the text; it applies to the tasks of its node.
  const trailing = new Map<Node, TrailingResp>();
  const walkTrailing = (n: Node) => {
    n.children.forEach(walkTrailing);
    const lastChild = n.children.at(-1);
    if (lastChild && lastChild.inline && lastChild.lines.length) {
      const t = trailingResponsibility(lastChild.lines[lastChild.lines.length - 1]);
      if (t) {
        lastChild.lines[lastChild.lines.length - 1] = t.text;
        lastChild.title = splitRunIn(lastChild.lines.join('\n')).title;
        trailing.set(n, t.resp);
        return;
      }
    }
    for (let k = n.lines.length - 1; k >= 0 && n.children.length; k--) {
      const t = trailingResponsibility(n.lines[k]);
      if (t) {
        n.lines[k] = t.text;
        trailing.set(n, t.resp);
        return;
      }
    }
  };
  walkTrailing(tree);

  // Annotated leaves: a section holding one is not a goal section. Subjects of
  // duties in the text count (市财政局要…), generic bodies (县级医院要…) never do.
  const allLeaves = tree.children.flatMap(leaves);
  const respOf = new Map<Node, Responsibility>();
  for (const l of allLeaves) respOf.set(l, findResponsibility(contentOf(l)));
  const annotated = (n: Node) => respOf.get(n)?.source === 'ANNOTATION';

  const trailingOf = (n: Node): TrailingResp | undefined => {
    for (let p: Node | null = n; p; p = p.parent) if (trailing.has(p)) return trailing.get(p);
    return undefined;
  };

  for (const section of tree.children) {
    if (isGoalSection(section, annotated)) {
      for (const n of [section, ...descendants(section)])
        for (const p of n.lines) planTargets.push(...preambleTargets(p));
      continue;
    }
    const safeguard = SAFEGUARD_RE.test(section.title);
    for (const leaf of leaves(section)) {
      const content = contentOf(leaf);
      const evidence: Evidence[] = [];
      let resp: Omit<Responsibility, 'source'> & { source: NonNullable<ParsedTask['responsibility_source']> } =
        respOf.get(leaf) ?? findResponsibility(content);
      const tr = trailingOf(leaf);
      if (resp.source === 'NONE' && tr) {
        resp = { lead: tr.lead, cooperating: tr.cooperating, source: 'CONVENTION', span: tr.span };
      }
      const named = resp.lead.length > 0 || resp.cooperating.length > 0;
      if ((safeguard || leaf === section) && !named) continue;
      if (!content.trim()) continue;
      const lead = [...resp.lead];
      const cooperating = [...resp.cooperating];
      for (const o of implicitOwners) if (!lead.includes(o) && !cooperating.includes(o)) cooperating.push(o);

      evidence.push({
        field: 'task',
        text: leaf.inline || leaf.level === 4 ? `${leaf.label}${content.slice(0, 40)}` : leaf.label,
        reason: leaf.inline
          ? `段落中的编号条目 ${leaf.label}，作为一项任务`
          : `${leaf.level === 4 ? '编号条目' : '末级标题'}，作为一项任务`,
      });
      if (resp.span) {
        const reason = {
          ANNOTATION: firstIsLead
            ? '括号内标注的责任单位；按方案“列在首位的为牵头单位”，首位为牵头、其余为配合'
            : '括号内标注的责任单位：首位（或“牵头”）为牵头单位，其余为配合单位',
          IN_TEXT: '句中承担任务的单位（主语），首位为牵头单位',
          CONVENTION: '段末写明“以上任务由……牵头”，适用于本段各项任务',
          NONE: '',
          TABLE: '',
          APPENDIX: '',
        }[resp.source];
        evidence.push({ field: 'lead', text: resp.span, reason });
      }
      if (implicitOwners.length)
        evidence.push({ field: 'cooperating', text: implicit![0], reason: '方案统一写明的落实单位，列为配合单位' });

      const found = findDeadlines(content, dctx);
      const deadlines = dedupeDeadlines(
        found.map(({ text: t, date, inferred }) => ({ text: t, date, ...(inferred ? { inferred } : {}) })),
      );
      for (const d of deadlines)
        evidence.push({
          field: 'deadline',
          text: d.text,
          reason:
            d.inferred === 'YEAR_FROM_CONTEXT'
              ? `分阶段时限，年份沿用上文（${d.date!.slice(0, 4)}年）`
              : d.inferred === 'PLAN_YEAR'
                ? `按方案年度（${planYear}年）理解`
                : '文中的时限短语，取该期限的最后一天',
        });
      const recurrences = findRecurrences(content).filter((r) => r !== 'weekly');
      const task: ParsedTask = {
        path: pathOf(leaf),
        title: leaf.title,
        lead: lead.slice(0, 1),
        cooperating: [...lead.slice(1), ...cooperating],
        deadlines,
        targets: taskTargets(content, dctx),
        recurrence: (recurrences[0] as ParsedTask['recurrence']) ?? null,
        responsibility_source: resp.source,
      };
      for (const t of task.targets)
        evidence.push({
          field: 'target',
          text: t.text,
          reason: t.implicit
            ? '“全覆盖 / 覆盖全部”等表述，按 100% 计'
            : t.change
              ? '百分点为变化量，不是水平值'
              : '量化指标',
        });
      if (task.recurrence)
        evidence.push({ field: 'recurrence', text: task.recurrence, reason: '文中写明的周期（每月/每季度/每年）' });
      const rel = findRelativeDeadlines(content, { baseDate: options.baseDate, calendar: options.calendar });
      if (rel.length) task.relative_deadlines = rel;
      const cadence = findReportCadence(content);
      if (cadence) {
        task.report_cadence = cadenceCode(cadence)!;
        evidence.push({ field: 'report_cadence', text: task.report_cadence, reason: '文中写明的报送频次' });
      }
      task.evidence = evidence;
      if (options.includeBody) task.body = content;
      tasks.push(task);
    }
  }
  finishTasks(tasks, warnings, options);

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
    title,
    issuer,
    ...(co.length ? { co_issuers: co } : {}),
    doc_number: findDocNumber(header),
    issued_on: issuedOn,
    departments,
    tasks,
    plan_targets: planTargets,
    warnings,
  };
  metadataWarnings(plan);
  return plan;
}

/** Unassigned and past-date warnings, past flags. Shared with table imports. */
export function finishTasks(tasks: ParsedTask[], warnings: ParseWarning[], options: ParseOptions): void {
  for (const [i, task] of tasks.entries()) {
    const n = () => i + 1;
    if (task.lead.length === 0) {
      task.unassigned = true;
      warnings.push({
        code: 'UNASSIGNED_TASK',
        message: task.cooperating.length
          ? `第${n()}项「${task.title}」未写明牵头单位（${task.cooperating.join('、')}仅为配合），请指定牵头单位。`
          : `第${n()}项「${task.title}」原文未写明责任单位，未自动指定，请办公室指派。`,
        messageEn: task.cooperating.length
          ? `Task ${n()}: no lead department named (only ${task.cooperating.join(', ')} cooperating); assign one.`
          : `Task ${n()}: the text names no responsible department; none was guessed, assign one.`,
        path: task.path,
      });
    }
    if (options.today) {
      const past = task.deadlines.filter((d) => d.date && d.date < options.today!);
      for (const d of past) d.past = true;
      if (past.length) {
        const dates = past.map((d) => d.date!).join('、');
        warnings.push({
          code: 'PAST_DEADLINE',
          message: `第${n()}项「${task.title}」的时限 ${dates} 早于导入日（${zhDate(options.today)}），已标记为过期：不会据此生成逾期催办，交办时请重新确定时限。`,
          messageEn: `Task ${n()}: deadline ${dates} is before the import day; marked past, no overdue notices will come of it. Set a new deadline on assignment.`,
          path: task.path,
        });
        task.evidence?.push({ field: 'deadline', text: dates, reason: '时限早于导入日，已过期' });
      }
    }
  }
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

export function parsePlan(text: string, options: ParseOptions = {}): ParsedPlan {
  const all = cleanLines(text);
  const ranges = splitDocuments(all);
  if (ranges.length === 1) return parseLines(all, options);
  const plans = ranges.map(([a, b]) => parseLines(all.slice(a, b), options));
  let pick = options.documentIndex ?? -1;
  if (pick < 0 || pick >= plans.length)
    pick = plans.reduce((best, p, i) => (p.tasks.length > plans[best].tasks.length ? i : best), 0);
  const plan = plans[pick];
  plan.documents = plans.map((p, index) => ({
    index,
    title: p.title,
    doc_number: p.doc_number,
    tasks: p.tasks.length,
  }));
  plan.document = pick;
  const others = plans
    .filter((_, i) => i !== pick)
    .map((p) => `《${p.title ?? '无标题'}》（${p.tasks.length} 项任务）`);
  plan.warnings.unshift({
    code: 'MULTIPLE_DOCUMENTS',
    message: `文件包含 ${plans.length} 份文件，已读取第 ${pick + 1} 份《${plan.title ?? '无标题'}》（${plan.tasks.length} 项任务）；另有 ${others.join('、')}。如需导入其他文件，请在预览中选择。`,
    messageEn: `The file holds ${plans.length} documents; document ${pick + 1} was read. Choose another in the preview if needed.`,
  });
  return plan;
}
