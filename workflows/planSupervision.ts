/**
 * planSupervision: one workflow per plan. Every quarter it opens a
 * supervision round (09:00 on the first working day after the quarter), asks
 * each open task's lead department for its report, chases missing reports up
 * the same escalation ladder as task deadlines, and closes the round — when
 * the office says so, or automatically at the configured deadline — freezing
 * the evaluation (a closed round never changes). Continues as new after each
 * round, so history stays small for a plan that runs for years.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { DubanActivities } from '../activities/types';
import { createCalendar, instantMs, shanghaiDate, shanghaiInstant } from '../domain/calendar';
import { planEscalation } from '../domain/escalation';
import { nextQuarter, quarterOf, roundSchedule, type Quarter } from '../domain/rounds';
import * as defs from './definitions';

const RETRY = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' } as const;
const { openRound, roundProgress, closeRound, loadCalendar, loadPlanSettings } = proxyActivities<DubanActivities>({
  startToCloseTimeout: '1 minute',
  retry: RETRY,
});
const { deliverNotice } = proxyActivities<DubanActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '10 seconds',
  retry: RETRY,
});

export interface PlanSupervisionInput {
  planId: string;
  title: string;
  /** The next quarter to run; by default the one containing the start time. */
  quarter?: Quarter;
  /** Rounds close by themselves this many working days after reports are due (the office may close earlier). */
  autoCloseWorkingDays?: number;
  /** Stop after this many rounds (simulations); unset = run for as long as the plan is active. */
  maxRounds?: number;
}

export async function planSupervision(input: PlanSupervisionInput): Promise<{ roundsRun: number }> {
  const quarter = input.quarter ?? quarterOf(shanghaiDate(Date.now()));
  const autoClose = input.autoCloseWorkingDays ?? 10;
  let current: { roundId: string; label: string; status: 'OPEN' | 'CLOSED'; reportDueOn: string } | null = null;
  let closeRequested = false;
  let openRequested = false;

  setHandler(defs.roundsQuery, () => (current ? [current] : []));
  setHandler(
    defs.closeRoundUpdate,
    async () => {
      closeRequested = true;
      await condition(() => current?.status === 'CLOSED');
      return { roundId: current!.roundId, closed: true };
    },
    {
      validator: (cmd) => {
        if (cmd.actor.role !== 'OFFICE' && cmd.actor.role !== 'ADMIN') {
          throw ApplicationFailure.create({
            type: 'FORBIDDEN',
            message: 'Only the committee office closes rounds.',
            nonRetryable: true,
          });
        }
        if (!current || current.status !== 'OPEN' || (cmd.roundId && cmd.roundId !== current.roundId)) {
          throw ApplicationFailure.create({
            type: 'INVALID_STATE',
            message: 'No such open round.',
            nonRetryable: true,
          });
        }
      },
    },
  );

  setHandler(
    defs.openRoundNowUpdate,
    async () => {
      openRequested = true;
      await condition(() => current !== null);
      return { year: quarter.year, quarter: quarter.quarter, opened: true };
    },
    {
      validator: (cmd) => {
        if (cmd.actor.role !== 'OFFICE' && cmd.actor.role !== 'ADMIN') {
          throw ApplicationFailure.create({
            type: 'FORBIDDEN',
            message: 'Only the committee office opens rounds.',
            details: [{ zh: '只有委员会办公室可以开启季度督查。' }],
            nonRetryable: true,
          });
        }
        const waiting = `${quarter.year}年第${quarter.quarter}季度`;
        if (current !== null) {
          throw ApplicationFailure.create({
            type: 'INVALID_STATE',
            message: `The ${quarter.year}Q${quarter.quarter} round is already open.`,
            details: [{ zh: `${waiting}的督查已经开启。` }],
            nonRetryable: true,
          });
        }
        if (cmd.year !== quarter.year || cmd.quarter !== quarter.quarter) {
          throw ApplicationFailure.create({
            type: 'INVALID_STATE',
            message: `This plan's next round is ${quarter.year}Q${quarter.quarter}.`,
            details: [{ zh: `本方案下一轮督查是${waiting}，只能提前开启这一轮。` }],
            nonRetryable: true,
          });
        }
      },
    },
  );

  const cal = await loadCalendar();
  const calendar = createCalendar(cal.overrides, { officialYears: cal.officialYears });
  const settings = await loadPlanSettings(input.planId);
  const schedule = roundSchedule(quarter, calendar, {
    reportDueWorkingDays: settings.reportDueWorkingDays,
    noticeTime: settings.noticeTime,
  });

  // Wait for the round to open (or for the office to open it early).
  const untilOpen = instantMs(schedule.opensAt) - Date.now();
  if (untilOpen > 0 && !openRequested) await condition(() => openRequested, untilOpen);

  const opened = await openRound({
    planId: input.planId,
    year: quarter.year,
    quarter: quarter.quarter,
    opensAt: schedule.opensAt,
    reportDueDate: schedule.reportDueOn,
  });
  current = { roundId: opened.roundId, label: schedule.label, status: 'OPEN', reportDueOn: schedule.reportDueOn };

  // The report ladder: the same thresholds as tasks, counted from the report due date.
  const ladder = planEscalation(
    { assignedOn: schedule.opensOn, dueDate: schedule.reportDueOn, status: 'IN_PROGRESS', subject: 'REPORT' },
    calendar,
    { thresholds: settings.thresholds, noticeTime: settings.noticeTime },
  );
  const closeAt = instantMs(
    shanghaiInstant(calendar.addWorkingDays(schedule.reportDueOn, autoClose), settings.noticeTime),
  );
  // Ask for the reports when the round opens.
  const ask = await roundProgress(opened.roundId);
  for (const m of ask.missing) {
    await deliverNotice({
      key: `${opened.roundId}:REPORT_DUE:${m.departmentId}`,
      roundId: opened.roundId,
      planId: input.planId,
      kind: 'REPORT_DUE',
      level: 0,
      fireAt: schedule.opensAt,
      recipients: ['LEAD_DEPARTMENT'],
      departmentIds: [m.departmentId],
      title: `${input.title} ${schedule.label} 季度进展报告（${m.taskIds.length} 项，${schedule.reportDueOn} 前报送）`,
      dueDate: schedule.reportDueOn,
    });
  }
  for (const n of ladder) {
    if (n.kind === 'WARNING') continue; // the request itself went out at opening
    const wait = instantMs(n.fireAt) - Date.now();
    if (wait > 0 && (await condition(() => closeRequested, wait))) break;
    if (instantMs(n.fireAt) >= closeAt) break;
    const progress = await roundProgress(opened.roundId);
    for (const m of progress.missing) {
      await deliverNotice({
        key: `${opened.roundId}:${n.kind}:${m.departmentId}`,
        roundId: opened.roundId,
        planId: input.planId,
        kind: n.kind,
        level: n.level,
        fireAt: n.fireAt,
        recipients: n.recipients,
        departmentIds: [m.departmentId],
        title: `${input.title} ${schedule.label} 季度进展报告未按时报送（${m.taskIds.length} 项）`,
        dueDate: schedule.reportDueOn,
      });
    }
  }
  const untilClose = closeAt - Date.now();
  if (!closeRequested && untilClose > 0) await condition(() => closeRequested, untilClose);
  await closeRound(opened.roundId);
  current = { ...current, status: 'CLOSED' };
  await condition(allHandlersFinished);

  const roundsLeft = input.maxRounds === undefined ? undefined : input.maxRounds - 1;
  if (roundsLeft !== undefined && roundsLeft <= 0) return { roundsRun: 1 };
  return continueAsNew<typeof planSupervision>({ ...input, quarter: nextQuarter(quarter), maxRounds: roundsLeft });
}
