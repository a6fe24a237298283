/**
 * May a department ask for more time now? The plan's ExtensionRules (types.ts)
 * against the task's deadline and the extensions it already had. Pure.
 */
import type { WorkingCalendar } from './calendar';
import { compareDates } from './calendar';
import { DEFAULT_EXTENSION_RULES, type ExtensionRules, type IsoDate } from './types';

export interface ExtensionRefusal {
  zh: string;
  en: string;
}

export function extensionRefusal(
  input: { today: IsoDate; dueDate: IsoDate | null; approvedSoFar: number; returnedClosures?: number },
  calendar: WorkingCalendar,
  rules: Partial<ExtensionRules> = {},
): ExtensionRefusal | null {
  const r = { ...DEFAULT_EXTENSION_RULES, ...rules };
  if (r.maxPerTask > 0 && input.approvedSoFar >= r.maxPerTask) {
    return {
      zh: `每项任务最多延期 ${r.maxPerTask} 次，本任务已延期 ${input.approvedSoFar} 次。`,
      en: `At most ${r.maxPerTask} extensions per task; this task has had ${input.approvedSoFar}.`,
    };
  }
  if (!r.allowAfterReturn && (input.returnedClosures ?? 0) > 0) {
    return {
      zh: '办结申请被退回后的整改不予延期，请在原完成时限内整改到位。',
      en: 'Rework after a returned closure does not extend the deadline.',
    };
  }
  if (input.dueDate && r.minWorkingDaysBefore > 0) {
    const cutoff = calendar.subtractWorkingDays(input.dueDate, r.minWorkingDaysBefore);
    if (compareDates(input.today, cutoff) > 0) {
      return {
        zh: `延期申请须在完成时限前 ${r.minWorkingDaysBefore} 个工作日提出（最迟 ${cutoff}），现已超过。`,
        en: `Extensions must be requested at least ${r.minWorkingDaysBefore} working days before the deadline (by ${cutoff}).`,
      };
    }
  }
  return null;
}
