import { describe, expect, it } from 'vitest';
import { createCalendar } from '../../domain/calendar';
import { assessHealth, computeHealth } from '../../domain/health';

const cal = createCalendar();
const task = { status: 'IN_PROGRESS' as const, dueDate: '2026-02-13' };

describe('health', () => {
  it('GREEN before the warning window', () => {
    expect(computeHealth(task, '2026-02-05T10:00:00Z', cal)).toBe('GREEN');
  });
  it('YELLOW from the start of the warning day (5 working days before) in Shanghai', () => {
    expect(computeHealth(task, '2026-02-05T15:59:59Z', cal)).toBe('GREEN');
    expect(computeHealth(task, '2026-02-05T16:00:00Z', cal)).toBe('YELLOW'); // 02-06 00:00 Shanghai
    expect(assessHealth(task, '2026-02-13T15:59:59.999Z', cal).reason).toBe('WARNING_WINDOW');
  });
  it('RED once the due day has ended in Shanghai', () => {
    expect(computeHealth(task, '2026-02-13T16:00:00Z', cal)).toBe('RED');
    expect(computeHealth({ ...task, status: 'CLOSURE_REQUESTED' }, '2026-03-01T00:00:00Z', cal)).toBe('RED');
  });
  it('YELLOW when a milestone was missed', () => {
    const t = { ...task, dueDate: '2026-12-31', milestones: [{ dueDate: '2026-03-31' }] };
    expect(computeHealth(t, '2026-03-31T12:00:00Z', cal)).toBe('GREEN');
    const r = assessHealth(t, '2026-04-01T12:00:00Z', cal);
    expect(r).toMatchObject({ health: 'YELLOW', reason: 'MILESTONE_BEHIND' });
    expect(
      computeHealth(
        { ...t, milestones: [{ dueDate: '2026-03-31', completedOn: '2026-03-30' }] },
        '2026-04-01T12:00:00Z',
        cal,
      ),
    ).toBe('GREEN');
    const withTarget = { ...t, milestones: [{ dueDate: '2026-03-31', targetProgress: 30 }] };
    expect(computeHealth({ ...withTarget, latestProgress: 40 }, '2026-04-01T12:00:00Z', cal)).toBe('GREEN');
    expect(computeHealth({ ...withTarget, latestProgress: 20 }, '2026-04-01T12:00:00Z', cal)).toBe('YELLOW');
  });
  it('GREEN without a deadline; null when closed or cancelled', () => {
    expect(computeHealth({ status: 'ASSIGNED' }, '2030-01-01T00:00:00Z', cal)).toBe('GREEN');
    expect(computeHealth({ ...task, status: 'CLOSED' }, '2030-01-01T00:00:00Z', cal)).toBeNull();
    expect(computeHealth({ ...task, status: 'CANCELLED' }, '2030-01-01T00:00:00Z', cal)).toBeNull();
  });
  it('warning window is configurable', () => {
    expect(computeHealth(task, '2026-02-09T02:00:00Z', cal, { warningDaysBefore: 2 })).toBe('GREEN');
    expect(computeHealth(task, '2026-02-11T02:00:00Z', cal, { warningDaysBefore: 2 })).toBe('YELLOW');
  });
});
