/**
 * Signals, queries and updates of Duban's workflows. The API imports these
 * same constants to talk to running workflows, so names never drift.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  ActorOnly,
  AssignCommand,
  ClosureRequestCommand,
  DecisionCommand,
  DisputeDecisionCommand,
  EscalateCommand,
  HistoryEntry,
  ExtensionRequestCommand,
  InstructionCommand,
  OrderCommand,
  PauseRequestCommand,
  PlannedNotice,
  ReasonCommand,
  ReopenCommand,
  ReportCommand,
  TaskSnapshot,
  TaskState,
} from './types';

// reformTask: user commands, validated and answered synchronously.
export const assignUpdate = defineUpdate<TaskSnapshot, [AssignCommand]>('assign');
export const acknowledgeUpdate = defineUpdate<TaskSnapshot, [ActorOnly]>('acknowledge');
export const submitReportUpdate = defineUpdate<TaskSnapshot, [ReportCommand]>('submitReport');
export const requestExtensionUpdate = defineUpdate<TaskSnapshot, [ExtensionRequestCommand]>('requestExtension');
export const decideExtensionUpdate = defineUpdate<TaskSnapshot, [DecisionCommand]>('decideExtension');
export const requestClosureUpdate = defineUpdate<TaskSnapshot, [ClosureRequestCommand]>('requestClosure');
export const reviewClosureUpdate = defineUpdate<TaskSnapshot, [DecisionCommand]>('reviewClosure');
export const escalateUpdate = defineUpdate<TaskSnapshot, [EscalateCommand]>('escalate');
export const cancelUpdate = defineUpdate<TaskSnapshot, [ReasonCommand]>('cancel');
export const addInstructionUpdate = defineUpdate<TaskSnapshot, [InstructionCommand]>('addInstruction');
export const replyOrderUpdate = defineUpdate<TaskSnapshot, [OrderCommand]>('replyOrder');
export const closeOrderUpdate = defineUpdate<TaskSnapshot, [OrderCommand]>('closeOrder');
/** 退单 (the lead department) and the office's decision. */
export const disputeUpdate = defineUpdate<TaskSnapshot, [ReasonCommand]>('dispute');
export const decideDisputeUpdate = defineUpdate<TaskSnapshot, [DisputeDecisionCommand]>('decideDispute');
/** 挂起: asked for by the lead department, decided by the office, ended by either (or by its date). */
export const requestPauseUpdate = defineUpdate<TaskSnapshot, [PauseRequestCommand]>('requestPause');
export const decidePauseUpdate = defineUpdate<TaskSnapshot, [DecisionCommand]>('decidePause');
export const resumeUpdate = defineUpdate<TaskSnapshot, [ActorOnly & { reason?: string }]>('resume');
/** 回头看: the office reopens a closed task within the plan's period. */
export const reopenUpdate = defineUpdate<TaskSnapshot, [ReopenCommand]>('reopen');

// reformTask: system events.
/** The working-day calendar changed: reload it and re-plan pending notices. */
export const calendarChangedSignal = defineSignal('calendarChanged');
/** The plan's settings (thresholds, notice time) changed: reload and re-plan. */
export const settingsChangedSignal = defineSignal('settingsChanged');
/** Project the current state again (the read model may show a change of a workflow task that was lost). */
export const resyncSignal = defineSignal('resync');

export const stateQuery = defineQuery<TaskState>('state');
export const pendingNoticesQuery = defineQuery<PlannedNotice[]>('pendingNotices');
/** The latest changes of the task (who, what, when), newest last. */
export const historyQuery = defineQuery<HistoryEntry[]>('history');

// planSupervision
export const closeRoundUpdate = defineUpdate<{ roundId: string; closed: boolean }, [ActorOnly & { roundId?: string }]>(
  'closeRound',
);
/** The office opens the round the plan is waiting for now, instead of at the quarter's end. */
export const openRoundNowUpdate = defineUpdate<
  { year: number; quarter: number; opened: boolean },
  [ActorOnly & { year: number; quarter: number }]
>('openRoundNow');
export const roundsQuery =
  defineQuery<{ roundId: string; label: string; status: 'OPEN' | 'CLOSED'; reportDueOn: string }[]>('rounds');

export const taskWorkflowId = (taskId: string): string => `task-${taskId}`;
export const planWorkflowId = (planId: string): string => `plan-${planId}`;
