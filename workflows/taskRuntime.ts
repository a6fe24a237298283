/**
 * What a reform task's command handlers may use of its workflow (reformTask.ts
 * builds it): the state, the checks and the one way to record a change. Types
 * only; the handlers live in taskCommands.ts and taskResponsibility.ts.
 */
import type { setHandler } from '@temporalio/workflow';
import type { DubanActivities } from '../activities/types';
import type { TaskAction } from '../domain/access';
import type { WorkingCalendar } from '../domain/calendar';
import type { parseCadenceCode } from '../domain/cadence';
import type { Instant, IsoDate } from '../domain/types';
import type { Actor, NoticeToSend, TaskEventRecord, TaskSnapshot, TaskState, TaskStatus } from './types';

export type ProjectionExtra = Parameters<DubanActivities['projectTask']>[0]['extra'];

export interface TaskRuntime {
  state: TaskState;
  today(): IsoDate;
  nowIso(): Instant;
  calendar(): WorkingCalendar;
  /** setHandler for an Update whose checks run again at the change (see reformTask's onUpdate). */
  onUpdate: typeof setHandler;
  /** Whether the checks run in the change's own step ('update-checks-at-change'). */
  checksAtChange(): boolean | undefined;
  /** The workflow has loaded what it needs (calendar, settings, first projection). */
  isReady(): boolean;
  /** Record a change: bump the version, project it with its timeline event, wake the loop. */
  commit(event: Omit<TaskEventRecord, 'id' | 'at'>, extra?: ProjectionExtra): Promise<TaskSnapshot>;
  transition(to: TaskStatus): { fromStatus: TaskStatus; toStatus: TaskStatus };
  requireAllowed(a: Actor, action: TaskAction): void;
  requireText(value: string | undefined, what: string, whatZh: string): void;
  requireDate(value: string | null | undefined, what: string, whatZh: string): void;
  cadenceOn: boolean;
  /** 退单, 挂起, 回头看 and 佐证材料 ('responsibility'). */
  respOn: boolean;
  cadence(): ReturnType<typeof parseCadenceCode> | null;
  sendNotice(n: NoticeToSend): Promise<void>;
  /** Wake the main loop to re-plan (a timer of a new kind became due, a pause ended). */
  wake(): void;
}
