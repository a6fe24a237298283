// The configurable, explainable assessment (考核) of a round.
//
// Two formulas, chosen per plan (settings.assessment.mode):
//
//   WEIGHTED (default, rounds.ts evaluateRound): weighted shares of on-time
//     reports, tasks on track, tasks completed and indicator attainment.
//   POINTS: a base score plus additions and deductions per event:
//     a task closed on time / late, a report late / missing, a 督办单 received,
//     each with its own points for the lead and for cooperating departments;
//     additions and deductions are capped separately.
//
// Either way every department's score comes with its breakdown, line by line,
// and the lines sum to the score (before the clamp to [0, 100], which is a
// line of its own when it applies). A closed round keeps the rules it used.
//
// Only supervision facts are inputs. Activity figures (logins, clicks, online
// time, messages read) are not events here, and settings naming them are
// refused: the rules forbid scoring them (docs/domain.md "Assessment").

export type AssessmentMode = 'WEIGHTED' | 'POINTS';

export type AssessmentEventKind = 'closedOnTime' | 'closedLate' | 'reportLate' | 'reportMissing' | 'orderReceived';

export const ASSESSMENT_EVENT_KINDS: readonly AssessmentEventKind[] = [
  'closedOnTime',
  'closedLate',
  'reportLate',
  'reportMissing',
  'orderReceived',
];

/** Points for one kind of event, for the lead department and for each cooperating one. */
export interface PointRule {
  lead: number;
  coop: number;
}

export interface AssessmentRules {
  mode: AssessmentMode;
  base: number;
  points: Record<AssessmentEventKind, PointRule>;
  /** At most this much is added in a round (0: no cap). */
  bonusCap: number;
  /** At most this much is deducted in a round (0: no cap). */
  deductionCap: number;
}

export const DEFAULT_ASSESSMENT_RULES: AssessmentRules = Object.freeze({
  mode: 'WEIGHTED',
  base: 100,
  points: Object.freeze({
    closedOnTime: { lead: 2, coop: 1 },
    closedLate: { lead: -2, coop: -1 },
    reportLate: { lead: -0.5, coop: 0 },
    reportMissing: { lead: -1, coop: 0 },
    orderReceived: { lead: -1, coop: 0 },
  }),
  bonusCap: 10,
  deductionCap: 30,
}) as AssessmentRules;

export function assessmentRules(
  partial: Partial<Omit<AssessmentRules, 'points'>> & {
    points?: Partial<Record<AssessmentEventKind, Partial<PointRule>>>;
  } = {},
): AssessmentRules {
  const points = { ...DEFAULT_ASSESSMENT_RULES.points };
  for (const k of ASSESSMENT_EVENT_KINDS) points[k] = { ...points[k], ...(partial.points?.[k] ?? {}) };
  return { ...DEFAULT_ASSESSMENT_RULES, ...partial, points };
}

/** Names that would score activity rather than results; refused wherever rules are written. */
const ACTIVITY_WORDS = /login|logon|click|online|session|visit|view|read|message|登录|点击|在线|浏览|阅读|消息/i;

/**
 * Why a settings object cannot be assessment rules, or null when it can.
 * Unknown keys are refused (a typo must not silently score nothing), and
 * activity figures are refused with the rule's own reason.
 */
export function assessmentRulesProblem(input: unknown): { zh: string; en: string } | null {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    return { zh: '考核规则格式不正确', en: 'Assessment rules must be an object' };
  const allowed = new Set(['mode', 'base', 'points', 'bonusCap', 'deductionCap']);
  const keys = Object.keys(input as object);
  const pointKeys = Object.keys(((input as Record<string, unknown>).points as object | undefined) ?? {});
  const activity = [...keys, ...pointKeys].find((k) => ACTIVITY_WORDS.test(k));
  if (activity)
    return {
      zh: `考核不得以登录、点击、在线时长、消息阅读等活跃度数据为依据（${activity}）`,
      en: `Activity figures (logins, clicks, online time, messages read) may not be scored (${activity})`,
    };
  const unknown =
    keys.find((k) => !allowed.has(k)) ?? pointKeys.find((k) => !ASSESSMENT_EVENT_KINDS.includes(k as never));
  if (unknown) return { zh: `未知的考核规则项：${unknown}`, en: `Unknown assessment rule: ${unknown}` };
  const r = input as Record<string, unknown>;
  if (r.mode !== undefined && r.mode !== 'WEIGHTED' && r.mode !== 'POINTS')
    return { zh: '考核方式只能是 WEIGHTED（加权）或 POINTS（加减分）', en: 'mode must be WEIGHTED or POINTS' };
  const num = (v: unknown, lo: number, hi: number) =>
    v === undefined || (typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi);
  if (!num(r.base, 0, 1000)) return { zh: '基础分须在0到1000之间', en: 'base must be between 0 and 1000' };
  if (!num(r.bonusCap, 0, 1000) || !num(r.deductionCap, 0, 1000))
    return { zh: '加分、扣分上限须在0到1000之间', en: 'caps must be between 0 and 1000' };
  for (const k of pointKeys) {
    const p = (r.points as Record<string, Record<string, unknown>>)[k] ?? {};
    const extra = Object.keys(p).find((x) => x !== 'lead' && x !== 'coop');
    if (extra)
      return {
        zh: `分值只能按牵头（lead）和配合（coop）设置：${k}.${extra}`,
        en: `Points are per lead/coop: ${k}.${extra}`,
      };
    if (!num(p.lead, -100, 100) || !num(p.coop, -100, 100))
      return { zh: `分值须在-100到100之间：${k}`, en: `Points must be between -100 and 100: ${k}` };
  }
  return null;
}

/** One event that earns or costs points. */
export interface AssessmentEvent {
  kind: AssessmentEventKind;
  department: string;
  role: 'LEAD' | 'COOP';
  taskId: string;
}

/** One line of a department's breakdown: `count` events of one kind and role, `points` each. */
export interface ScoreLine {
  rule: AssessmentEventKind | 'base' | 'bonusCap' | 'deductionCap' | 'clamp' | WeightedComponent;
  role?: 'LEAD' | 'COOP';
  count?: number;
  points: number;
  total: number;
  /** WEIGHTED lines: the component's value (0..1) and weight share. */
  value?: number;
  weight?: number;
  taskIds?: string[];
}

export type WeightedComponent = 'onTimeReports' | 'onTrack' | 'completion' | 'indicators' | 'overduePenalty';

export interface PointsScore {
  department: string;
  score: number;
  lines: ScoreLine[];
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** POINTS: base + capped additions − capped deductions, clamped to [0, 100]; lines sum to the score. */
export function scoreByPoints(
  rules: AssessmentRules,
  events: readonly AssessmentEvent[],
  departments: readonly string[],
): PointsScore[] {
  const out: PointsScore[] = [];
  const all = [...new Set([...departments, ...events.map((e) => e.department)])];
  for (const department of all) {
    const lines: ScoreLine[] = [{ rule: 'base', points: rules.base, total: rules.base }];
    let bonus = 0;
    let deduction = 0;
    for (const kind of ASSESSMENT_EVENT_KINDS) {
      for (const role of ['LEAD', 'COOP'] as const) {
        const mine = events.filter((e) => e.department === department && e.kind === kind && e.role === role);
        const points = role === 'LEAD' ? rules.points[kind].lead : rules.points[kind].coop;
        if (!mine.length || points === 0) continue;
        const total = round1(points * mine.length);
        lines.push({ rule: kind, role, count: mine.length, points, total, taskIds: mine.map((e) => e.taskId) });
        if (total > 0) bonus += total;
        else deduction -= total;
      }
    }
    if (rules.bonusCap > 0 && bonus > rules.bonusCap)
      lines.push({ rule: 'bonusCap', points: rules.bonusCap, total: round1(rules.bonusCap - bonus) });
    if (rules.deductionCap > 0 && deduction > rules.deductionCap)
      lines.push({ rule: 'deductionCap', points: rules.deductionCap, total: round1(deduction - rules.deductionCap) });
    const raw = round1(lines.reduce((s, l) => s + l.total, 0));
    const score = Math.max(0, Math.min(100, raw));
    if (score !== raw) lines.push({ rule: 'clamp', points: score, total: round1(score - raw) });
    out.push({ department, score, lines });
  }
  return out;
}

/** Sum of a breakdown (what a reader adds up); equals the score. */
export function lineSum(lines: readonly ScoreLine[]): number {
  return round1(lines.reduce((s, l) => s + l.total, 0));
}

/** What a round knows of one task, for the POINTS events. */
export interface AssessedTask {
  taskId: string;
  leadDepartment: string | null;
  cooperatingDepartments: readonly string[];
  status: string;
  dueDate: string | null;
  /** Asia/Shanghai day it was closed, when closed. */
  closedOn: string | null;
  /** The round's report: null = owed but missing, 'late' / 'onTime'; undefined = not owed. */
  report?: 'onTime' | 'late' | null;
  /** 督办单 the lead department received on this task in the period. */
  ordersReceived: number;
}

/**
 * The events of a round's period: a task closed in the period counts for its
 * lead and each cooperating department, on time when closed on or before its
 * deadline; a report owed and missing or late counts for the lead; every
 * 督办单 counts for the lead department it was addressed to.
 */
export function roundAssessmentEvents(
  period: { start: string; end: string },
  tasks: readonly AssessedTask[],
): AssessmentEvent[] {
  const events: AssessmentEvent[] = [];
  for (const t of tasks) {
    if (!t.leadDepartment) continue;
    const lead = t.leadDepartment;
    if (t.status === 'CLOSED' && t.closedOn && t.closedOn >= period.start && t.closedOn <= period.end) {
      const kind: AssessmentEventKind = !t.dueDate || t.closedOn <= t.dueDate ? 'closedOnTime' : 'closedLate';
      events.push({ kind, department: lead, role: 'LEAD', taskId: t.taskId });
      for (const d of t.cooperatingDepartments) events.push({ kind, department: d, role: 'COOP', taskId: t.taskId });
    }
    if (t.report === null) events.push({ kind: 'reportMissing', department: lead, role: 'LEAD', taskId: t.taskId });
    if (t.report === 'late') events.push({ kind: 'reportLate', department: lead, role: 'LEAD', taskId: t.taskId });
    for (let i = 0; i < t.ordersReceived; i++)
      events.push({ kind: 'orderReceived', department: lead, role: 'LEAD', taskId: t.taskId });
  }
  return events;
}
