/** 督办单 numbering and reply dates, the POINTS assessment's lines, and the 通报's lists (pure rules). */
import { describe, expect, it } from 'vitest';
import { createCalendar } from '../../domain/calendar.ts';
import {
  daysOverdue,
  formatOrderNumber,
  isFormalNotice,
  orderFormatProblem,
  orderReplyBy,
} from '../../domain/orders.ts';
import {
  assessmentRules,
  assessmentRulesProblem,
  lineSum,
  roundAssessmentEvents,
  scoreByPoints,
  type AssessmentEvent,
} from '../../domain/assessment.ts';
import { bulletinSummary } from '../../domain/bulletin.ts';
import { evaluateRound } from '../../domain/rounds.ts';

const calendar = createCalendar();

describe('督办单', () => {
  it('numbers by the plan format and refuses formats without exactly one {n}', () => {
    expect(formatOrderNumber('〔{year}〕{n}号', 2026, 12)).toBe('〔2026〕12号');
    expect(formatOrderNumber('医督〔{year}〕第{n}号', 2027, 1)).toBe('医督〔2027〕第1号');
    expect(formatOrderNumber('卫督〔{年}〕{序号}号', 2026, 3)).toBe('卫督〔2026〕3号');
    expect(orderFormatProblem('〔{year}〕号')?.zh).toContain('{序号}');
    expect(orderFormatProblem('{n}-{序号}')?.zh).toContain('只含一个');
    expect(orderFormatProblem('{month}{n}')?.zh).toContain('{年}');
    expect(orderFormatProblem('〔{year}〕{n}号')).toBeNull();
  });

  it('is formal from level 2', () => {
    expect([0, 1, 2, 3].map(isFormalNotice)).toEqual([false, false, true, true]);
  });

  it('is answered within working days across the National Day holiday', () => {
    // 2026-09-30 (Wed): 1–7 October are off, the 8th is the next working day.
    expect(orderReplyBy('2026-09-30', calendar, { replyWorkingDays: 1 })).toBe('2026-10-08');
    expect(orderReplyBy('2026-03-18', calendar)).toBe('2026-03-23');
  });

  it('counts calendar days overdue', () => {
    expect(daysOverdue('2026-03-13', '2026-03-18')).toBe(5);
    expect(daysOverdue('2026-03-13', '2026-03-13')).toBe(0);
    expect(daysOverdue(null, '2026-03-13')).toBe(0);
  });
});

describe('POINTS assessment', () => {
  const ev = (kind: AssessmentEvent['kind'], department: string, role: 'LEAD' | 'COOP' = 'LEAD'): AssessmentEvent => ({
    kind,
    department,
    role,
    taskId: `${kind}-${department}-${Math.random()}`,
  });

  it('adds and deducts per event and role, and the lines sum to the score', () => {
    const rules = assessmentRules({ mode: 'POINTS' });
    const [a] = scoreByPoints(
      rules,
      [ev('closedOnTime', 'A'), ev('closedOnTime', 'A'), ev('closedLate', 'A', 'COOP'), ev('reportLate', 'A')],
      ['A'],
    );
    expect(a!.lines.map((l) => [l.rule, l.role ?? null, l.count ?? null, l.total])).toEqual([
      ['base', null, null, 100],
      ['closedOnTime', 'LEAD', 2, 4],
      ['closedLate', 'COOP', 1, -1],
      ['reportLate', 'LEAD', 1, -0.5],
      ['clamp', null, null, -2.5],
    ]);
    expect(a!.score).toBe(100);
    expect(lineSum(a!.lines)).toBe(100);
  });

  it('caps deductions and says so in a line', () => {
    const rules = assessmentRules({ mode: 'POINTS', deductionCap: 5, points: { orderReceived: { lead: -2 } } });
    const [b] = scoreByPoints(
      rules,
      Array.from({ length: 4 }, () => ev('orderReceived', 'B')),
      [],
    );
    expect(b!.lines.map((l) => [l.rule, l.total])).toEqual([
      ['base', 100],
      ['orderReceived', -8],
      ['deductionCap', 3],
    ]);
    expect(b!.score).toBe(95);
  });

  it('refuses activity figures and unknown rules with the reason', () => {
    expect(assessmentRulesProblem({ points: { logins: { lead: 1 } } })?.zh).toContain('活跃度');
    expect(assessmentRulesProblem({ onlineMinutes: 3 })?.zh).toContain('活跃度');
    expect(assessmentRulesProblem({ points: { closedEarly: { lead: 1 } } })?.zh).toBe('未知的考核规则项：closedEarly');
    expect(assessmentRulesProblem({ mode: 'RANDOM' })?.zh).toContain('考核方式');
    expect(assessmentRulesProblem({ points: { closedLate: { lead: -500 } } })?.zh).toContain('-100');
    expect(
      assessmentRulesProblem({ mode: 'POINTS', base: 80, points: { closedLate: { lead: -3, coop: -1 } } }),
    ).toBeNull();
  });

  it('takes its events from the period: closed on time or late, reports owed, orders received', () => {
    const events = roundAssessmentEvents({ start: '2026-01-01', end: '2026-03-31' }, [
      {
        taskId: 't1',
        leadDepartment: 'A',
        cooperatingDepartments: ['B'],
        status: 'CLOSED',
        dueDate: '2026-03-31',
        closedOn: '2026-03-20',
        ordersReceived: 0,
      },
      {
        taskId: 't2',
        leadDepartment: 'A',
        cooperatingDepartments: [],
        status: 'CLOSED',
        dueDate: '2026-02-27',
        closedOn: '2026-03-02',
        ordersReceived: 1,
      },
      {
        taskId: 't3',
        leadDepartment: 'B',
        cooperatingDepartments: [],
        status: 'CLOSED',
        dueDate: '2025-12-31',
        closedOn: '2025-12-30',
        ordersReceived: 0,
      },
      {
        taskId: 't4',
        leadDepartment: 'B',
        cooperatingDepartments: [],
        status: 'IN_PROGRESS',
        dueDate: null,
        closedOn: null,
        report: null,
        ordersReceived: 0,
      },
      {
        taskId: 't5',
        leadDepartment: 'B',
        cooperatingDepartments: [],
        status: 'IN_PROGRESS',
        dueDate: null,
        closedOn: null,
        report: 'late',
        ordersReceived: 0,
      },
    ]);
    expect(events.map((e) => `${e.taskId}:${e.kind}:${e.department}:${e.role}`)).toEqual([
      't1:closedOnTime:A:LEAD',
      't1:closedOnTime:B:COOP',
      't2:closedLate:A:LEAD',
      't2:orderReceived:A:LEAD',
      't4:reportMissing:B:LEAD',
      't5:reportLate:B:LEAD',
    ]);
  });

  it('replaces the weighted score in evaluateRound, which explains its weighted score line by line otherwise', () => {
    const base = {
      schedule: { reportDueAt: '2026-04-08T16:00:00.000Z' },
      reports: [{ taskId: 't', department: 'A', submittedAt: '2026-04-02T02:00:00.000Z' }],
      tasks: [{ taskId: 't', leadDepartment: 'A', status: 'IN_PROGRESS' as const, health: 'GREEN' as const }],
    };
    const weighted = evaluateRound(base).departments[0]!;
    // On-time 1 × 0.3, on track 1 × 0.3, completed 0 × 0.2 (no indicators): 60 / 80.
    expect(weighted.score).toBe(75);
    expect(weighted.lines.map((l) => [l.rule, l.total])).toEqual([
      ['onTimeReports', 37.5],
      ['onTrack', 37.5],
      ['completion', 0],
    ]);
    expect(lineSum(weighted.lines)).toBe(75);
    const points = evaluateRound({
      ...base,
      assessment: assessmentRules({ mode: 'POINTS' }),
      events: [ev('reportLate', 'A'), ev('closedOnTime', 'C', 'COOP')],
    });
    expect(points.departments.map((d) => [d.department, d.score, d.rank])).toEqual([
      ['C', 100, 1],
      ['A', 99.5, 2],
    ]);
    expect(points.assessment?.mode).toBe('POINTS');
  });
});

describe('通报', () => {
  it('praises and criticises by the plan rules', () => {
    const d = (department: string, score: number, overdue = 0, reportsMissing = 0) => ({
      department,
      tasks: 4,
      completed: 2,
      onTrack: 2 - overdue,
      atRisk: 0,
      overdue,
      reportsMissing,
      score,
      rank: 1,
    });
    const s = bulletinSummary([d('A', 95), d('B', 92, 1), d('C', 70, 0, 1), d('D', 85)]);
    expect(s).toMatchObject({ tasks: 16, closed: 8, closedShare: 0.5, overdue: 1, praised: ['A'] });
    expect(s.criticised.map((c) => c.department)).toEqual(['B', 'C']);
    const lenient = bulletinSummary([d('A', 95), d('C', 70, 0, 1)], {
      praiseMinScore: 60,
      criticiseMissingReports: false,
    });
    expect(lenient.praised).toEqual(['A']);
    expect(lenient.criticised).toEqual([]);
  });
});
