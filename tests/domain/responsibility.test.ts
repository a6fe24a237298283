/** 退单, 挂起 and 回头看: the date rules and what a round keeps of them (domain/responsibility.ts). */
import { describe, expect, it } from 'vitest';
import { createCalendar } from '../../domain/calendar.ts';
import {
  afterPause,
  disputeDecideBy,
  disputeEscalatesAt,
  pauseRequestProblem,
  pausedWorkingDays,
  reopenProblem,
  reopenUntil,
  roundResponsibility,
} from '../../domain/responsibility.ts';

const calendar = createCalendar();

describe('退单', () => {
  it('gives the office three working days, across a weekend and National Day, then raises it at notice time', () => {
    expect(disputeDecideBy('2026-01-06', calendar, {})).toBe('2026-01-09');
    // 2026: 1–7 October off, Saturday 10 October a working day (调休).
    expect(disputeDecideBy('2026-09-30', calendar, {})).toBe('2026-10-10');
    expect(disputeEscalatesAt('2026-01-09', calendar, '09:00')).toBe('2026-01-12T01:00:00.000Z');
  });
});

describe('挂起', () => {
  it('counts the working days the clock stood still, not weekends or holidays', () => {
    expect(pausedWorkingDays({ since: '2026-03-02' }, '2026-03-16', calendar)).toBe(10);
    expect(pausedWorkingDays({ since: '2026-09-28' }, '2026-10-12', calendar)).toBe(6);
    expect(pausedWorkingDays({ since: '2026-03-02' }, '2026-03-02', calendar)).toBe(0);
  });
  it('moves the deadline and open milestones by the paused days; a done milestone stays', () => {
    const moved = afterPause(
      {
        dueDate: '2026-03-10',
        milestones: [
          { dueDate: '2026-03-05' },
          { dueDate: '2026-02-27', completedOn: '2026-02-26' },
          { dueDate: '2026-02-20' },
        ],
      },
      '2026-03-02',
      10,
      calendar,
    );
    expect(moved.dueDate).toBe('2026-03-24');
    expect(moved.milestones.map((m) => m.dueDate)).toEqual(['2026-03-19', '2026-02-27', '2026-02-20']);
  });
  it('refuses a pause without a reason, a resume date not after today, or one beyond the longest pause', () => {
    expect(pauseRequestProblem({ today: '2026-03-02', reason: ' ' })?.zh).toContain('挂起理由不能为空');
    expect(pauseRequestProblem({ today: '2026-03-02', until: '2026-03-02', reason: '等待审批' })?.zh).toContain(
      '应晚于今天',
    );
    expect(
      pauseRequestProblem({ today: '2026-03-02', until: '2026-12-31', reason: '等待审批' }, { maxPauseDays: 30 })?.zh,
    ).toContain('一次挂起最长 30 天');
    expect(pauseRequestProblem({ today: '2026-03-02', until: '2026-03-16', reason: '等待审批' })).toBeNull();
  });
});

describe('回头看', () => {
  it('is open for the plan period after closure, needs a reason and a future deadline', () => {
    expect(reopenUntil('2026-01-14', { reopenWindowDays: 30 })).toBe('2026-02-13');
    expect(reopenUntil('2026-01-14', { reopenWindowDays: 0 })).toBeNull();
    const ok = { today: '2026-01-20', closedOn: '2026-01-14', dueDate: '2026-03-31', reason: '发现问题' };
    expect(reopenProblem(ok, { reopenWindowDays: 30 })).toBeNull();
    expect(reopenProblem({ ...ok, today: '2026-02-14' }, { reopenWindowDays: 30 })?.zh).toContain('2026-02-13');
    expect(reopenProblem({ ...ok, reason: '' })?.zh).toContain('理由不能为空');
    expect(reopenProblem({ ...ok, dueDate: '2026-01-20' })?.zh).toContain('应晚于今天');
    expect(reopenProblem(ok, { reopenWindowDays: 0 })?.zh).toContain('不允许重新打开');
  });
});

describe('a round keeps its disputes, extensions and pauses', () => {
  it('follows each dispute to its outcome and counts them per department', () => {
    const ev = (taskId: string, kind: string, on: string, data: Record<string, unknown> = {}) => ({
      taskId,
      title: `任务${taskId}`,
      kind,
      on,
      department: 'health',
      data,
    });
    const r = roundResponsibility(
      [
        ev('a', 'DISPUTED', '2026-01-06', { departmentId: 'health' }),
        ev('a', 'DISPUTE_OVERDUE', '2026-01-12'),
        ev('a', 'DISPUTE_REASSIGNED', '2026-01-12'),
        ev('b', 'DISPUTED', '2026-01-06', { departmentId: 'health' }),
        ev('b', 'DISPUTE_REJECTED', '2026-01-07'),
        ev('c', 'DISPUTED', '2026-02-02', { departmentId: 'insurance' }),
        ev('c', 'ACKNOWLEDGED', '2026-02-03', { disputeWithdrawn: 'x' }),
        ev('d', 'DISPUTED', '2026-03-30', { departmentId: 'insurance' }),
        ev('e', 'RESUMED', '2026-03-16', { since: '2026-03-02', until: '2026-03-16', workingDays: 10 }),
      ],
      [
        {
          taskId: 'f',
          title: '任务f',
          department: 'health',
          from: '2026-03-31',
          to: '2026-06-30',
          decidedOn: '2026-03-20',
        },
      ],
    );
    expect(r.disputes.map((d) => [d.taskId, d.outcome, d.escalated])).toEqual([
      ['a', 'REASSIGNED', true],
      ['b', 'UPHELD', false],
      ['c', 'WITHDRAWN', false],
      ['d', 'PENDING', false],
    ]);
    expect(r.pauses).toEqual([
      { taskId: 'e', title: '任务e', department: 'health', since: '2026-03-02', until: '2026-03-16', workingDays: 10 },
    ]);
    expect(r.byDepartment).toEqual([
      { department: 'health', disputes: 2, extensions: 1 },
      { department: 'insurance', disputes: 2, extensions: 0 },
    ]);
  });
});
