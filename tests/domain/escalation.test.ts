import { describe, expect, it } from 'vitest';
import { createCalendar } from '../../domain/calendar';
import { dueNotices, escalationLevelAt, pendingNotices, planEscalation } from '../../domain/escalation';

const cal = createCalendar();
const base = { assignedOn: '2026-02-02', dueDate: '2026-02-13', status: 'ASSIGNED' as const };

describe('planEscalation', () => {
  it('reproduces the docs/domain.md example exactly', () => {
    const notices = planEscalation(base, cal);
    expect(notices.map((n) => [n.kind, n.date, n.fireAt, n.level, n.recipients])).toEqual([
      ['ACK_REMINDER', '2026-02-04', '2026-02-04T01:00:00.000Z', 0, ['LEAD_DEPARTMENT']],
      ['WARNING', '2026-02-06', '2026-02-06T01:00:00.000Z', 0, ['LEAD_DEPARTMENT']],
      ['LEVEL1', '2026-02-14', '2026-02-14T01:00:00.000Z', 1, ['LEAD_DEPARTMENT']],
      ['LEVEL2', '2026-02-25', '2026-02-25T01:00:00.000Z', 2, ['DEPARTMENT_HEAD', 'OFFICE']],
      ['LEVEL3', '2026-03-05', '2026-03-05T01:00:00.000Z', 3, ['SUPERVISOR']],
    ]);
  });
  it('omits the ack reminder once acknowledged or in progress', () => {
    expect(planEscalation({ ...base, acknowledgedOn: '2026-02-03' }, cal).map((n) => n.kind)).toEqual([
      'WARNING',
      'LEVEL1',
      'LEVEL2',
      'LEVEL3',
    ]);
    expect(planEscalation({ ...base, status: 'IN_PROGRESS' }, cal)[0].kind).toBe('WARNING');
  });
  it('returns nothing for closed, cancelled, draft and closure-requested tasks', () => {
    for (const status of ['CLOSED', 'CANCELLED', 'DRAFT', 'CLOSURE_REQUESTED'] as const)
      expect(planEscalation({ ...base, status }, cal)).toEqual([]);
  });
  it('honours per-plan thresholds and notice time', () => {
    const n = planEscalation(base, cal, {
      thresholds: { ackReminderDays: 1, warningDaysBefore: 3, level2DaysOverdue: 2, level3DaysOverdue: 5 },
      noticeTime: '10:30',
    });
    expect(n.map((x) => `${x.kind}@${x.date}`)).toEqual([
      'ACK_REMINDER@2026-02-03',
      'WARNING@2026-02-10',
      'LEVEL1@2026-02-14',
      'LEVEL2@2026-02-24',
      'LEVEL3@2026-02-27',
    ]);
    expect(n[0].fireAt).toBe('2026-02-03T02:30:00.000Z');
  });
  it('an extension (new due date) re-plans the whole ladder', () => {
    const n = planEscalation({ ...base, dueDate: '2026-03-31', acknowledgedOn: '2026-02-03' }, cal);
    expect(n.map((x) => x.date)).toEqual(['2026-03-24', '2026-04-01', '2026-04-03', '2026-04-15']); // 04-04..06 Qingming
  });
  it('re-plans when the calendar changes', () => {
    const c2 = createCalendar([{ date: '2026-02-14', kind: 'HOLIDAY' }]);
    expect(planEscalation(base, c2).find((x) => x.kind === 'LEVEL1')?.date).toBe('2026-02-24');
  });
  it('skips a warning that would precede the assignment', () => {
    const n = planEscalation({ ...base, assignedOn: '2026-02-10' }, cal);
    expect(n.map((x) => x.kind)).toEqual(['ACK_REMINDER', 'LEVEL1', 'LEVEL2', 'LEVEL3']);
  });
  it('chases pending milestones with a warning and a level-1 reminder', () => {
    const n = planEscalation(
      {
        ...base,
        status: 'IN_PROGRESS',
        dueDate: '2026-06-30',
        milestones: [
          { id: 'm1', dueDate: '2026-03-31' },
          { id: 'm2', dueDate: '2026-04-30', completedOn: '2026-04-20' },
        ],
      },
      cal,
    );
    const ms = n.filter((x) => x.milestone);
    expect(ms.map((x) => `${x.kind}@${x.date}`)).toEqual(['WARNING@2026-03-24', 'LEVEL1@2026-04-01']);
    expect(ms[0].milestone?.id).toBe('m1');
  });
  it('serves a quarterly report: no ack step', () => {
    const n = planEscalation(
      { subject: 'REPORT', assignedOn: '2026-10-08', dueDate: '2026-10-13', status: 'ASSIGNED' },
      cal,
    );
    expect(n.map((x) => `${x.kind}@${x.date}`)).toEqual([
      'LEVEL1@2026-10-14',
      'LEVEL2@2026-10-16',
      'LEVEL3@2026-10-27',
    ]);
  });
  it('splits notices around now and reports the level reached', () => {
    const n = planEscalation(base, cal);
    const now = '2026-02-25T01:00:00.000Z'; // level 2 fires exactly now
    expect(dueNotices(n, now).map((x) => x.kind)).toEqual(['ACK_REMINDER', 'WARNING', 'LEVEL1', 'LEVEL2']);
    expect(pendingNotices(n, now).map((x) => x.kind)).toEqual(['LEVEL3']);
    expect(escalationLevelAt(n, now)).toBe(2);
    expect(escalationLevelAt(n, '2026-02-13T15:00:00Z')).toBe(0);
  });
});
