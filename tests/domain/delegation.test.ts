import { describe, expect, it } from 'vitest';
import {
  delegationDays,
  delegationInForce,
  delegationRangeProblem,
  overlapProblem,
  selfDelegationProblem,
} from '../../domain/delegation';
import { refusal, visibleDepartmentIds } from '../../domain/access';

describe('代理 ranges (domain/delegation)', () => {
  const today = '2026-12-02';
  it('accepts today onwards, up to a year, both ends inclusive', () => {
    expect(delegationRangeProblem({ startsOn: today, endsOn: today }, today)).toBeNull();
    expect(delegationRangeProblem({ startsOn: '2026-11-20', endsOn: '2026-12-02' }, today)).toBeNull();
    expect(delegationRangeProblem({ startsOn: today, endsOn: '2027-12-02' }, today)).toBeNull();
    expect(delegationDays({ startsOn: today, endsOn: '2027-12-02' })).toBe(366);
  });
  it('refuses a range in the past, reversed, too long or not a date; Chinese first', () => {
    const code = (s: string, e: string) => delegationRangeProblem({ startsOn: s, endsOn: e }, today)?.code;
    expect(code('2026-11-01', '2026-12-01')).toBe('IN_PAST');
    expect(code('2026-12-10', '2026-12-05')).toBe('ENDS_BEFORE_START');
    expect(code(today, '2027-12-03')).toBe('TOO_LONG');
    expect(code('2026-02-30', today)).toBe('DATE');
    expect(delegationRangeProblem({ startsOn: '2026-11-01', endsOn: '2026-12-01' }, today)!.zh).toMatch(
      /^代理期限已经过去/,
    );
    expect(selfDelegationProblem('u1', 'u1')?.code).toBe('SELF');
  });
  it('finds overlaps and what is in force on a day', () => {
    const held = [{ startsOn: '2026-12-05', endsOn: '2026-12-10' }];
    expect(overlapProblem({ startsOn: '2026-12-10', endsOn: '2026-12-12' }, held)?.code).toBe('OVERLAP');
    expect(overlapProblem({ startsOn: '2026-12-11', endsOn: '2026-12-12' }, held)).toBeNull();
    expect(delegationInForce(held[0]!, '2026-12-04')).toBe(false);
    expect(delegationInForce(held[0]!, '2026-12-10')).toBe(true);
    expect(delegationInForce({ ...held[0]!, cancelledAt: new Date() }, '2026-12-06')).toBe(false);
  });
  it('the access rule takes the actor acting for a department as that department', () => {
    const task = { status: 'IN_PROGRESS' as const, leadDepartmentId: 'health', cooperatingDepartmentIds: [] };
    const acting = { userId: 'wangwu', role: 'DEPARTMENT' as const, departmentId: 'finance' };
    expect(refusal(acting, task, 'REPORT')?.code).toBe('NOT_INVOLVED');
    expect(visibleDepartmentIds({ ...acting, actingForDepartmentIds: ['health'] })).toEqual(['finance', 'health']);
    expect(refusal({ ...acting, actingForDepartmentIds: ['health'] }, task, 'REQUEST_CLOSURE')).toBeNull();
    // What the workflow hears (api/delegation actorForTask): the delegator's department.
    expect(refusal({ ...acting, departmentId: 'health' }, task, 'REQUEST_CLOSURE')).toBeNull();
  });
});
