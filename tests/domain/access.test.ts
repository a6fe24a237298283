import { describe, expect, it } from 'vitest';
import {
  accessTableMarkdown,
  allowedActions,
  canSeeTask,
  involvement,
  refusal,
  visibleDepartmentIds,
  type AccessActor,
  type AccessTask,
} from '../../domain/access.ts';

const task: AccessTask = {
  status: 'IN_PROGRESS',
  leadDepartmentId: 'lead',
  cooperatingDepartmentIds: ['coop'],
  dueDate: '2026-06-30',
  hasPendingExtension: false,
  hasPendingClosure: false,
};
const dept = (d: string, actingFor: string[] = []): AccessActor => ({
  userId: `u-${d}`,
  role: 'DEPARTMENT',
  departmentId: d,
  actingForDepartmentIds: actingFor,
});
const office: AccessActor = { userId: 'o', role: 'OFFICE' };
const supervisor: AccessActor = { userId: 's', role: 'SUPERVISOR' };

describe('the one access rule', () => {
  it('says how each actor stands to a task, and who sees it', () => {
    expect(involvement(dept('lead'), task)).toBe('LEAD');
    expect(involvement(dept('coop'), task)).toBe('COOPERATING');
    expect(involvement(dept('other'), task)).toBe('NONE');
    expect(involvement(null, task)).toBe('NONE');
    expect(canSeeTask(supervisor, task)).toBe(true);
    expect(canSeeTask(dept('other'), task)).toBe(false);
    // Acting for a colleague's department (代理) sees their tasks.
    expect(involvement(dept('other', ['lead']), task)).toBe('LEAD');
    expect(visibleDepartmentIds(dept('a', ['b']))).toEqual(['a', 'b']);
    expect(visibleDepartmentIds(office)).toBeNull();
  });

  it('refuses in a fixed order: signed in, involved, role, state, precondition', () => {
    expect(refusal(null, task, 'REPORT')?.code).toBe('UNAUTHENTICATED');
    expect(refusal(dept('other'), task, 'ASSIGN')?.code).toBe('NOT_INVOLVED');
    expect(refusal(dept('coop'), task, 'REQUEST_CLOSURE')?.code).toBe('NOT_LEAD_DEPARTMENT');
    expect(refusal(dept('lead'), task, 'ASSIGN')?.code).toBe('FORBIDDEN');
    expect(refusal(office, { ...task, status: 'CLOSED' }, 'CANCEL')).toMatchObject({
      code: 'INVALID_STATE',
      zh: '任务已办结，不能再撤销。',
    });
    expect(refusal(dept('lead'), { ...task, status: 'CLOSED' }, 'REPORT')?.zh).toBe('任务已办结，不能再提交进展。');
    expect(refusal(office, task, 'DECIDE_EXTENSION')?.code).toBe('NO_PENDING_EXTENSION');
    expect(refusal(dept('lead'), { ...task, hasPendingExtension: true }, 'REQUEST_EXTENSION')?.code).toBe(
      'EXTENSION_PENDING',
    );
    expect(refusal(office, task, 'REVIEW_CLOSURE')?.code).toBe('INVALID_STATE');
  });

  it('lists what each role may do now', () => {
    expect(allowedActions(dept('lead'), task)).toEqual([
      'REPORT',
      'REQUEST_EXTENSION',
      'REQUEST_CLOSURE',
      'REPLY_ORDER',
      'REQUEST_PAUSE',
    ]);
    expect(allowedActions(dept('coop'), task)).toEqual(['REPORT']);
    expect(allowedActions(dept('other'), task)).toEqual([]);
    expect(allowedActions(supervisor, task)).toEqual(['INSTRUCT']);
    expect(allowedActions(office, task)).toEqual(['ASSIGN', 'ESCALATE', 'CANCEL', 'CLOSE_ORDER']);
    expect(allowedActions(office, { ...task, status: 'CLOSURE_REQUESTED', hasPendingClosure: true })).toContain(
      'REVIEW_CLOSURE',
    );
    expect(allowedActions(office, { ...task, status: 'CLOSED' })).toEqual([]);
  });

  it('prints its role table for api/README.md', () => {
    const md = accessTableMarkdown();
    expect(md.split('\n')).toHaveLength(2 + 18);
    expect(md).toContain('| ACKNOWLEDGE | 签收 | LEAD | ASSIGNED |');
  });
});
