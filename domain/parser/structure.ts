// A plan's text as a tree: headings nest 一、 > (一) > 1. > (1) (any bracket
// width); numbered items inside running paragraphs are split out as leaves
// (splitInline). Which leaves are tasks is decided in index.ts.

import { halfWidthDigits } from './deadlines';
import { sentences } from './targets';

export type Level = 1 | 2 | 3 | 4;

export interface Node {
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
export const SAFEGUARD_RE = /保障|工作要求|组织领导|组织实施/;
export const ANNEX_RE = /^附\s*件/;
const NOISE_RE = /^(?:[—\-－]\s*\d+\s*[—\-－]|扫一扫|已阅|打印|关闭|分享到)/;

export function headingOf(line: string): { level: Level; marker: string; rest: string } | null {
  for (const h of HEADING) {
    const m = h.re.exec(line);
    if (m) return { level: h.level, marker: m[1], rest: m[2] };
  }
  return null;
}

/** Split a heading's text into its title and run-in body at the first 。. */
export function splitRunIn(rest: string): { title: string; body: string } {
  const i = rest.indexOf('。');
  if (i < 0) return { title: rest.trim(), body: '' };
  return { title: rest.slice(0, i).trim(), body: rest.slice(i + 1).trim() };
}

export function cleanLines(text: string): string[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.replace(/[\u3000\u00a0\t]/g, ' ').trim())
    .filter((l) => l.length > 0 && !NOISE_RE.test(l));
}

export function buildTree(lines: string[]): Node {
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

export function pathOf(node: Node): string[] {
  const path: string[] = [];
  for (let n: Node | null = node; n && n.level !== 0; n = n.parent) path.unshift(n.label);
  return path;
}

export function leaves(node: Node): Node[] {
  return node.children.length === 0 ? [node] : node.children.flatMap(leaves);
}

// Inline items: (1)…(n) or 1.…n. inside running paragraphs.
const INLINE_RE = /(^|[。；;！？\n）)：:])\s*(?:([（(])([0-9０-９]{1,3})[)）]|([0-9０-９]{1,3})[.．、](?![0-9０-９]))/g;

export interface InlineCounters {
  paren: number;
  dot: number;
}

/**
 * Split a leaf's running text into its numbered items. A number is an item
 * when it continues the plan's own count (1, 2, … possibly straight through
 * sections) or restarts at 1; the text before the first item is narrative.
 */
export function splitInline(node: Node, counters: InlineCounters): void {
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
export function isGoalSection(section: Node, annotated: (n: Node) => boolean): boolean {
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

export function descendants(n: Node): Node[] {
  return n.children.flatMap((c) => [c, ...descendants(c)]);
}

export function contentOf(leaf: Node): string {
  return [leaf.level === 4 || leaf.inline ? '' : leaf.title, ...leaf.lines].filter(Boolean).join('\n');
}
