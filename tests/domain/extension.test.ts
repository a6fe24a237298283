import { describe, expect, it } from 'vitest';
import { createCalendar } from '../../domain/calendar.ts';
import { extensionRefusal } from '../../domain/extension.ts';

const cal = createCalendar();

describe('extension rules', () => {
  it('allows anything by default', () => {
    expect(extensionRefusal({ today: '2026-02-13', dueDate: '2026-02-13', approvedSoFar: 5 }, cal)).toBeNull();
  });

  it('refuses after the cutoff, counted in working days across the Spring Festival', () => {
    const rules = { minWorkingDaysBefore: 3 };
    // Due 2026-02-25 (first days back after the holiday): 3 working days before is 02-14 (a make-up Saturday)… 02-12.
    const cutoff = cal.subtractWorkingDays('2026-02-25', 3);
    expect(extensionRefusal({ today: cutoff, dueDate: '2026-02-25', approvedSoFar: 0 }, cal, rules)).toBeNull();
    const late = extensionRefusal(
      { today: cal.addWorkingDays(cutoff, 1), dueDate: '2026-02-25', approvedSoFar: 0 },
      cal,
      rules,
    );
    expect(late?.zh).toBe(`延期申请须在完成时限前 3 个工作日提出（最迟 ${cutoff}），现已超过。`);
  });

  it('caps the number of extensions', () => {
    const r = extensionRefusal({ today: '2026-03-01', dueDate: '2026-06-30', approvedSoFar: 2 }, cal, {
      maxPerTask: 2,
    });
    expect(r?.zh).toMatch(/最多延期 2 次/);
  });
});
