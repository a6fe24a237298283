// Measurable targets (指标 / 目标值): a metric, a comparator, a value, a unit.
//
//   县域就诊率不低于90%            → >= 90 %
//   达到常住人口的30%以上          → >= 30 %
//   每年获批10个左右               → ~ 10 个
//   150个、300个以上               → two targets, 以上 applies to both
//   至少有两个工作日 / 3-5名       → >= 2 个工作日 / range 3..5 名
//   不超过3个月 / 在5个工作日内    → <= 3 个月 / <= 5 个工作日
//   组建2个医共体                  → = 2 个 (bare counts > 1 of things, not of time)
//   三级医院县市全覆盖 / 所有…纳入 / 全部参与 → implicit 100 %
// Not targets: conditions (超过300万的地级市), member compositions (…组成),
// a bare "1个" (an article), bare durations (连续工作3个月), years, numbers in
// quotes (“复诊0元号”) and in document numbers.

import { halfWidthDigits, parseNumeral } from './deadlines';
import type { Comparator, IsoDate } from '../types';
import type { ParsedTarget } from './types';

const UNIT =
  '%|‰|个百分点|百分点|个工作日|个月|个|所|家|名|天|周|年|项|人次|人|张|次|倍|万人|万元|亿元|万|元|床|台|辆|平方米|公里|学时|分钟|小时|种|级|支|批';
const QUANT_RE = new RegExp(
  `(\\d+(?:\\.\\d+)?)(?:\\s*[-—~～至到]\\s*(\\d+(?:\\.\\d+)?))?\\s*(${UNIT})?(及以上|以上|以下|以内|内|左右)?`,
  'g',
);
// Chinese numerals count only right after a comparator word (至少有一个), never alone (一村一名).
const CN_QUANT_RE = new RegExp(
  `(?:不少于|不低于|不得少于|不得低于|至少有?|最少|不超过|不得超过|最多)([一二两三四五六七八九十]+)(个工作日|个月|个|所|家|名|天|周|年|项|次|学时)`,
  'g',
);

const GE_WORDS = ['不得少于', '不得低于', '不少于', '不低于', '至少', '最少', '达到'];
// A change, not a level: 提升5个百分点 (>=), 下降1个百分点 (<=).
const RISE_RE = /(?:提升|提高|增长|增加|高出|上升)$/;
const FALL_RE = /(?:下降|降低|减少|压减)$/;
const LE_WORDS = ['不得超过', '不超过', '不高于', '不多于', '最多'];
const CONDITION_WORDS = ['超过', '高于', '大于', '低于', '小于'];
const TIME_UNITS = new Set(['个工作日', '个月', '天', '周', '年']);
const COUNT_UNITS = new Set(['所', '个', '家', '名', '项', '张', '床', '台', '辆', '人']);

interface Quantity {
  index: number;
  end: number;
  value: number;
  valueMax?: number;
  unit: string;
  comparator: Comparator;
  /** Comparator came from words or a suffix (以上, 左右 …), not a bare number. */
  qualified: boolean;
  change?: boolean;
}

/** The comparator word closest before `pos` in `s` (after `from`), if any. */
function comparatorBefore(s: string, from: number, pos: number): { word: string; kind: '>=' | '<=' | 'COND' } | null {
  const seg = s.slice(from, pos);
  let best: { at: number; word: string; kind: '>=' | '<=' | 'COND' } | null = null;
  const consider = (words: string[], kind: '>=' | '<=' | 'COND') => {
    for (const w of words) {
      const at = seg.lastIndexOf(w);
      if (at < 0) continue;
      const endAt = at + w.length;
      if (
        !best ||
        endAt > best.at + best.word.length ||
        (endAt === best.at + best.word.length && w.length > best.word.length)
      )
        best = { at, word: w, kind };
    }
  };
  consider(GE_WORDS, '>=');
  consider(LE_WORDS, '<=');
  consider(CONDITION_WORDS, 'COND');
  if (!best) return null;
  const b = best as { at: number; word: string; kind: '>=' | '<=' | 'COND' };
  // "不超过" contains "超过": the negated form wins when both end at the same place.
  if (b.kind === 'COND' && b.at > 0 && seg[b.at - 1] === '不') return { word: '不' + b.word, kind: '<=' };
  return { word: b.word, kind: b.kind };
}

function insideQuotes(s: string, pos: number): boolean {
  const before = s.slice(0, pos);
  const open = (before.match(/[“「『]/g) ?? []).length;
  const close = (before.match(/[”」』]/g) ?? []).length;
  return open > close;
}

function quantitiesIn(clause: string): Quantity[] {
  const s = halfWidthDigits(clause);
  const found: Quantity[] = [];
  let lastEnd = 0;
  const raw: Array<{ index: number; end: number; value: number; valueMax?: number; unit: string; suffix?: string }> =
    [];
  for (const m of s.matchAll(QUANT_RE)) {
    const index = m.index ?? 0;
    const end = index + m[0].length;
    const unit = m[3];
    if (!unit) continue;
    const before = s[index - 1] ?? '';
    if (/[A-Za-z0-9.〔[［]/.test(before)) continue;
    if (/^[〕\]］号]/.test(s.slice(end)) || s.slice(index, end + 1).match(/^\d+[〕\]］]/)) continue;
    const value = Number(m[1]);
    if (unit === '年' && value >= 1900) continue; // a year, not a duration
    if (unit === '年' && /^\d{1,2}月/.test(s.slice(end))) continue;
    if (insideQuotes(s, index)) continue;
    raw.push({
      index,
      end,
      value,
      valueMax: m[2] ? Number(m[2]) : undefined,
      unit: unit === '个百分点' ? '百分点' : unit,
      suffix: m[4],
    });
  }
  for (const m of s.matchAll(CN_QUANT_RE)) {
    const index = (m.index ?? 0) + m[0].indexOf(m[1]);
    const value = parseNumeral(m[1]);
    if (!Number.isFinite(value)) continue;
    raw.push({ index, end: (m.index ?? 0) + m[0].length, value, unit: m[2] });
  }
  raw.sort((a, b) => a.index - b.index);
  for (const r of raw) {
    let comparator: Comparator = '=';
    let qualified = false;
    const cmp = comparatorBefore(s, lastEnd, r.index);
    if (r.valueMax !== undefined) {
      comparator = 'range';
      qualified = true;
    } else if (r.suffix === '以上' || r.suffix === '及以上') {
      comparator = '>=';
      qualified = true;
    } else if (r.suffix === '以下' || r.suffix === '以内' || r.suffix === '内') {
      comparator = '<=';
      qualified = true;
    } else if (r.suffix === '左右') {
      comparator = '~';
      qualified = true;
    } else if (
      r.unit === '百分点' &&
      (RISE_RE.test(s.slice(lastEnd, r.index)) || FALL_RE.test(s.slice(lastEnd, r.index)))
    ) {
      comparator = FALL_RE.test(s.slice(lastEnd, r.index)) ? '<=' : '>=';
      qualified = true;
    } else if (cmp) {
      if (cmp.kind === 'COND') {
        lastEnd = r.end;
        continue;
      }
      comparator = cmp.kind;
      qualified = true;
    }
    if (cmp?.kind === 'COND' && !qualified) {
      lastEnd = r.end;
      continue;
    }
    found.push({
      index: r.index,
      end: r.end,
      value: r.value,
      valueMax: r.valueMax,
      unit: r.unit,
      comparator,
      qualified,
      ...(r.unit === '百分点' ? { change: true } : {}),
    });
    lastEnd = r.end;
  }
  // "150个、300个以上" / "分别达到50%和75%以上": a suffix qualifies the whole list before it.
  for (let i = found.length - 2; i >= 0; i--) {
    const a = found[i];
    const b = found[i + 1];
    if (!a.qualified && b.qualified && /^(?:、|和|及|与)$/.test(s.slice(a.end, b.index))) {
      a.comparator = b.comparator;
      a.qualified = true;
    }
  }
  return found;
}

const LEADING_CONNECTIVES = /^(?:并且|并|且|同时|以及|还要|其中[:：]?)/;

/** Trim a clause for display: unbalanced brackets at the ends, leading connectives. */
export function tidyClause(clause: string): string {
  let t = clause.trim();
  for (;;) {
    const before = t;
    const opens = (t.match(/[(（]/g) ?? []).length;
    const closes = (t.match(/[)）]/g) ?? []).length;
    if (closes > opens && /[)）]$/.test(t)) t = t.slice(0, -1).trim();
    else if (opens > closes && /^[(（]/.test(t)) t = t.slice(1).trim();
    t = t.replace(LEADING_CONNECTIVES, '').trim();
    if (t === before) break;
  }
  return t;
}

const VERBS =
  /^(?:分别|力争|确保|推动|支持|实现|要把|要|必须|争取|全面|探索|可|在|共|我市|全省|全市|全县|建设|设立|设置|组建|开设|建立|具有|有|获批|达到|提供|安排)+/;
const COMPARATOR_WORDS = /(?:不得少于|不得低于|不少于|不低于|至少有?|最少|达到|不得超过|不超过|不高于|不多于|最多)/g;
const DEADLINE_WORDS = /(?:到|在)?(?:19|20)\d{2}年(?:底)?/g;

function stripVerbs(s: string): string {
  let t = s.trim();
  for (;;) {
    const n = t
      .replace(VERBS, '')
      .replace(/^[的，,、]/, '')
      .trim();
    if (n === t) return t;
    t = n;
  }
}

/**
 * A best-effort metric name ("what is measured"): the counted noun + 数 for
 * counts (scoped by 每个…), the measured rate for percentages (…率 / …比例),
 * 覆盖率 for coverage phrases. Hand-labelled names will differ; the office
 * edits them on review.
 */
export function metricOf(text: string, q?: { value: number | null; unit: string | null }): string {
  const plain = halfWidthDigits(text)
    .replace(/[(（][^()（）]*[)）]/g, (m) => (/[、]/.test(m) ? m : ''))
    .replace(DEADLINE_WORDS, '');
  const fallback = () => {
    const m = stripVerbs(
      plain
        .replace(COMPARATOR_WORDS, '')
        .replace(
          /\d+(?:\.\d+)?(?:\s*[-—~～至]\s*\d+)?\s*(?:%|‰|个工作日|个月|个|所|家|名|天|年|项|人|次)?(?:及以上|以上|以下|以内|内|左右)?/g,
          '',
        ),
    );
    return (
      m
        .replace(/全覆盖$/, '覆盖率')
        .replace(/[，,。；;]+$/g, '')
        .trim() || text
    );
  };
  if (!q || q.value === null || !q.unit) return fallback();
  const re = new RegExp(
    `(?:${COMPARATOR_WORDS.source})?\\s*${String(q.value).replace('.', '\\.')}(?:\\s*[-—~～至]\\s*\\d+)?\\s*${q.unit.replace('%', '%')}(?:及以上|以上|以下|以内|内|左右)?`,
  );
  const m = re.exec(plain);
  if (!m) return fallback();
  const before = plain.slice(0, m.index);
  const after = plain.slice(m.index + m[0].length);
  if (q.unit === '%') {
    if (/^的/.test(after)) return stripVerbs(after.slice(1)) + '比例';
    const cmpAt = before.search(COMPARATOR_WORDS);
    const subject = stripVerbs(cmpAt > 0 ? before.slice(0, cmpAt) : before);
    return /(?:率|比例|比重|占比)$/.test(subject) ? subject : subject + '率';
  }
  if (!TIME_UNITS.has(q.unit)) {
    const noun = after
      .replace(/^[的]/, '')
      .split(/和|与|及(?!以上)/)[0]
      .replace(/(?:实施|对|开展|纳入).*$/, '')
      .trim();
    if (noun && !/^[、\d]/.test(noun)) {
      const scope = /(每个[\u4e00-\u9fa5（）()、]+?)(?:设立|设置|建设|组建|至少|有|配备|$)/.exec(before)?.[1] ?? '';
      return `${scope}${stripVerbs(noun)}数`;
    }
    // "…专科150个、300个以上": the noun precedes the list.
    return stripVerbs(before.replace(COMPARATOR_WORDS, '').replace(/(?:\d+(?:\.\d+)?[^\d、]{0,2}、)+$/, '')) + '数';
  }
  return fallback();
}

const IMPLICIT_RE = /全覆盖|所有[^，,。；;]*纳入|全部参与|覆盖全部|全部覆盖|覆盖所有|全部接入|全部纳入/;

export interface TargetContext {
  /** Date the surrounding sentence ties targets to. */
  date?: IsoDate | null;
}

/** Targets in one clause (already split on ，,。；;). */
export function targetsInClause(clause: string, ctx: TargetContext = {}): ParsedTarget[] {
  const text = tidyClause(clause);
  if (!text) return [];
  const qs = quantitiesIn(text);
  const out: ParsedTarget[] = [];
  const weekly = /每周|每星期/.test(text);
  const bare = qs.filter((q) => !q.qualified);
  const keepBare =
    bare.length === 0 || /组成/.test(text)
      ? null
      : // Several bare counts in one clause ("10所卫生院对…112所村卫生室"): the last is the object.
        bare[bare.length - 1];
  for (const q of qs) {
    if (!q.qualified) {
      if (q !== keepBare) continue;
      if (q.value <= 1 || TIME_UNITS.has(q.unit) || !(COUNT_UNITS.has(q.unit) || q.unit === '%')) continue;
    }
    let shown = text;
    if (!q.qualified) {
      // "李官镇、许屯镇…共10所卫生院实施…": start at the count.
      const head = halfWidthDigits(text).slice(0, q.index);
      if (head.includes('、')) {
        shown = text.slice(text[q.index - 1] === '共' ? q.index - 1 : q.index);
        // "7个社区卫生服务中心及友好护理院、…": the count names only the first group.
        const cut = shown.search(/[及和]/);
        if (cut > 0 && /、/.test(shown.slice(cut))) shown = shown.slice(0, cut);
      }
    }
    // "其中医院必须安排…" / "探索对…提供不超过…": the target starts at the duty or the bound.
    shown = shown.replace(/^[\u4e00-\u9fa5]{1,4}?(?=必须)/, '');
    if (/^探索/.test(shown)) {
      const at = shown.search(/不超过|不少于|不低于|至少/);
      if (at > 0) shown = shown.slice(at);
    }
    const t: ParsedTarget = {
      text: shown,
      metric: metricOf(shown, q),
      value: q.value,
      unit: q.unit,
      comparator: q.comparator,
    };
    if (q.valueMax !== undefined) t.value_max = q.valueMax;
    if (q.change) t.change = true;
    if (ctx.date) t.date = ctx.date;
    if (weekly) t.recurrence = 'weekly';
    out.push(t);
  }
  if (out.length === 0 && qs.length === 0 && IMPLICIT_RE.test(text)) {
    const t: ParsedTarget = { text, metric: metricOf(text), value: 100, unit: '%', comparator: '=', implicit: true };
    if (ctx.date) t.date = ctx.date;
    out.push(t);
  }
  return out;
}

/** Split text into sentences (。；;!? and line breaks). Returns [start, text] pairs. */
export function sentences(text: string): Array<{ start: number; text: string }> {
  const out: Array<{ start: number; text: string }> = [];
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i === text.length || /[。；;！!？?\n]/.test(text[i])) {
      if (i > start) out.push({ start, text: text.slice(start, i) });
      start = i + 1;
    }
  }
  return out;
}

/** Split a sentence into clauses on ，, (commas inside brackets split too; tidyClause mends the ends). */
export function clauses(sentence: string): Array<{ start: number; text: string }> {
  const out: Array<{ start: number; text: string }> = [];
  let start = 0;
  for (let i = 0; i <= sentence.length; i++) {
    if (i === sentence.length || /[，,]/.test(sentence[i])) {
      if (i > start) out.push({ start, text: sentence.slice(start, i) });
      start = i + 1;
    }
  }
  return out;
}

/**
 * Targets of a sentence. An implicit coverage target is dropped when the same
 * sentence already states 100% explicitly (…达到100%，实现…全覆盖).
 */
export function targetsInSentence(sentence: string, ctx: TargetContext = {}): ParsedTarget[] {
  const all = clauses(sentence).flatMap((c) => targetsInClause(c.text, ctx));
  const explicit100 = all.some((t) => !t.implicit && t.value === 100 && t.unit === '%');
  return explicit100 ? all.filter((t) => !t.implicit) : all;
}
