/** Dates and times as people in China read them: Asia/Shanghai, YYYY-MM-DD HH:mm. */
import { isIsoDate, shanghaiDate, toDayNumber } from '../../../domain/calendar';

const TZ = 'Asia/Shanghai';

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: TZ,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour') === '24' ? '00' : get('hour')}:${get('minute')}`;
}

/** Today in Asia/Shanghai as YYYY-MM-DD (domain/calendar's day). */
export function today(): string {
  return shanghaiDate(new Date());
}

/** Whole days from today to a YYYY-MM-DD date (negative when past). */
export function daysUntil(date: string | null | undefined): number | null {
  if (!date) return null;
  return isIsoDate(date) ? toDayNumber(date) - toDayNumber(today()) : NaN;
}

export function percent(x: number | null | undefined): string {
  if (x === null || x === undefined) return '—';
  return `${Math.round(x * 1000) / 10}%`;
}
