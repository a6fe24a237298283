/** Dates and times as people in China read them: Asia/Shanghai, YYYY-MM-DD HH:mm. */
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

/** Today in Asia/Shanghai as YYYY-MM-DD. */
export function today(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(),
  );
}

/** Whole days from today to a YYYY-MM-DD date (negative when past). */
export function daysUntil(date: string | null | undefined): number | null {
  if (!date) return null;
  const a = Date.parse(`${today()}T00:00:00Z`);
  const b = Date.parse(`${date}T00:00:00Z`);
  return Math.round((b - a) / 86_400_000);
}

export function percent(x: number | null | undefined): string {
  if (x === null || x === undefined) return '—';
  return `${Math.round(x * 1000) / 10}%`;
}
