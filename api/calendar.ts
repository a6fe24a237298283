/** The working calendar as the office keeps it (official holidays, 调休 and overrides), built once per request. */
import { createCalendar, type DayOverride, type WorkingCalendar } from '../domain/calendar.ts';
import type { Context } from './context.ts';

const perRequest = new WeakMap<object, Promise<WorkingCalendar>>();

export function calendarOf(ctx: Context): Promise<WorkingCalendar> {
  let c = perRequest.get(ctx);
  if (!c) {
    c = ctx.prisma.calendarOverride.findMany().then((overrides) =>
      createCalendar(
        overrides.map((o) => ({ date: o.date, kind: o.kind as DayOverride['kind'] })),
        {
          officialYears: [
            ...new Set(overrides.filter((o) => o.source === 'official').map((o) => Number(o.date.slice(0, 4)))),
          ],
        },
      ),
    );
    perRequest.set(ctx, c);
  }
  return c;
}
