/**
 * Scoring an imported plan against a hand-labelled one (the seeds'
 * *.expected.json). Tasks are matched one-to-one by normalised title; the
 * other measures are taken over the matched pairs.
 */

export interface LabelTarget {
  value: number | null;
  unit: string | null;
}
export interface LabelTask {
  title: string;
  lead: string[];
  cooperating: string[];
  deadlines: { text: string; date: string | null }[];
  targets: LabelTarget[];
}
export interface LabelPlan {
  tasks: LabelTask[];
  plan_targets: LabelTarget[];
}

/** Raw counts: they add up across documents, the rates are derived from them. */
export interface Counts {
  expectedTasks: number;
  parsedTasks: number;
  matchedTasks: number;
  /** Matched pairs whose label names a lead, and how many of those got it right. */
  labelledLeads: number;
  correctLeads: number;
  /** Matched pairs whose label names no lead, and how many of those got one anyway. */
  unlabelledLeads: number;
  inventedLeads: number;
  coopTruePositive: number;
  coopParsed: number;
  coopExpected: number;
  /** Matched pairs with a dated deadline on either side, and those with the same dates. */
  datedPairs: number;
  correctDates: number;
  expectedTargets: number;
  foundTargets: number;
}

export interface Metrics {
  taskF1: number;
  leadAccuracy: number;
  cooperatingF1: number;
  deadlineAccuracy: number;
  targetRecall: number;
  inventedLeads: number;
}

/** Titles compare without spaces and with half-width punctuation. */
export function normaliseTitle(title: string): string {
  return title
    .replace(/\s+/g, '')
    .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[。.;；,，、]+$/u, '');
}

const targetKey = (t: LabelTarget) => `${t.value}|${t.unit ?? ''}`;

/** How many of `expected` appear in `found`, by value and unit (multiset). */
function targetHits(expected: LabelTarget[], found: LabelTarget[]): number {
  const pool = new Map<string, number>();
  for (const t of found) pool.set(targetKey(t), (pool.get(targetKey(t)) ?? 0) + 1);
  let hits = 0;
  for (const t of expected) {
    const n = pool.get(targetKey(t)) ?? 0;
    if (n > 0) {
      hits++;
      pool.set(targetKey(t), n - 1);
    }
  }
  return hits;
}

const datesOf = (t: LabelTask) => [...new Set(t.deadlines.map((d) => d.date).filter((d): d is string => !!d))].sort();

export function score(parsed: LabelPlan, expected: LabelPlan): Counts {
  const c: Counts = {
    expectedTasks: expected.tasks.length,
    parsedTasks: parsed.tasks.length,
    matchedTasks: 0,
    labelledLeads: 0,
    correctLeads: 0,
    unlabelledLeads: 0,
    inventedLeads: 0,
    coopTruePositive: 0,
    coopParsed: 0,
    coopExpected: 0,
    datedPairs: 0,
    correctDates: 0,
    expectedTargets: expected.plan_targets.length + expected.tasks.reduce((n, t) => n + t.targets.length, 0),
    foundTargets: targetHits(expected.plan_targets, parsed.plan_targets),
  };
  const unmatched = new Map<string, LabelTask[]>();
  for (const t of parsed.tasks) {
    const key = normaliseTitle(t.title);
    unmatched.set(key, [...(unmatched.get(key) ?? []), t]);
  }
  for (const want of expected.tasks) {
    const got = unmatched.get(normaliseTitle(want.title))?.shift();
    if (!got) continue;
    c.matchedTasks++;
    if (want.lead.length) {
      c.labelledLeads++;
      if (got.lead[0] === want.lead[0]) c.correctLeads++;
    } else {
      c.unlabelledLeads++;
      if (got.lead.length) c.inventedLeads++;
    }
    const wantCoop = new Set(want.cooperating);
    const gotCoop = new Set(got.cooperating);
    c.coopExpected += wantCoop.size;
    c.coopParsed += gotCoop.size;
    c.coopTruePositive += [...gotCoop].filter((d) => wantCoop.has(d)).length;
    const [wantDates, gotDates] = [datesOf(want), datesOf(got)];
    if (wantDates.length || gotDates.length) {
      c.datedPairs++;
      if (wantDates.join() === gotDates.join()) c.correctDates++;
    }
    c.foundTargets += targetHits(want.targets, got.targets);
  }
  return c;
}

export function addCounts(a: Counts, b: Counts): Counts {
  const sum = { ...a };
  for (const k of Object.keys(b) as (keyof Counts)[]) sum[k] = a[k] + b[k];
  return sum;
}

const ratio = (num: number, den: number) => (den === 0 ? 1 : num / den);
const f1 = (tp: number, predicted: number, actual: number) => {
  const p = ratio(tp, predicted);
  const r = ratio(tp, actual);
  return p + r === 0 ? 0 : (2 * p * r) / (p + r);
};

export function metrics(c: Counts): Metrics {
  return {
    taskF1: f1(c.matchedTasks, c.parsedTasks, c.expectedTasks),
    leadAccuracy: ratio(c.correctLeads, c.labelledLeads),
    cooperatingF1: f1(c.coopTruePositive, c.coopParsed, c.coopExpected),
    deadlineAccuracy: ratio(c.correctDates, c.datedPairs),
    targetRecall: ratio(c.foundTargets, c.expectedTargets),
    inventedLeads: c.inventedLeads,
  };
}
