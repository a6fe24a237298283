import { describe, expect, it } from 'vitest';
import { simulateTask } from '../../runtime/simulate.ts';

describe('what-if simulation (the real workflow in skipped time, notices captured)', () => {
  it('predicts the docs/domain.md example exactly', async () => {
    const notices = await simulateTask({ assigned: '2026-02-02', due: '2026-02-13' });
    expect(notices).toEqual([
      { kind: 'ACK_REMINDER', at: '2026-02-04T09:00:00+08:00', to: ['LEAD_DEPARTMENT'] },
      { kind: 'WARNING', at: '2026-02-06T09:00:00+08:00', to: ['LEAD_DEPARTMENT'] },
      { kind: 'LEVEL1', at: '2026-02-14T09:00:00+08:00', to: ['LEAD_DEPARTMENT'] },
      { kind: 'LEVEL2', at: '2026-02-25T09:00:00+08:00', to: ['DEPARTMENT_HEAD', 'OFFICE'] },
      { kind: 'LEVEL3', at: '2026-03-05T09:00:00+08:00', to: ['SUPERVISOR'] },
    ]);
  });

  it('drops the acknowledgement reminder when the department acknowledges in time, and honours plan thresholds', async () => {
    const notices = await simulateTask({
      assigned: '2026-02-02',
      due: '2026-02-13',
      acknowledged: '2026-02-03',
      settings: { thresholds: { level3DaysOverdue: 5 } },
    });
    expect(notices.map((n) => n.kind)).toEqual(['WARNING', 'LEVEL1', 'LEVEL2', 'LEVEL3']);
    expect(notices.at(-1)!.at).toBe('2026-02-27T09:00:00+08:00'); // 02-14 (make-up Saturday), then 02-24..02-27 after the holiday
  });

  it('rejects malformed dates with a clear message', async () => {
    await expect(simulateTask({ assigned: '2026-2-2', due: '2026-02-13' })).rejects.toThrow(/YYYY-MM-DD/);
    await expect(simulateTask({ assigned: '2026-03-01', due: '2026-02-13' })).rejects.toThrow(/早于/);
  });
});
