/** Task shapes and the fields the board and lists fetch. */
export const STATUSES = ['DRAFT', 'ASSIGNED', 'IN_PROGRESS', 'CLOSURE_REQUESTED', 'CLOSED'] as const;
export type Status = (typeof STATUSES)[number] | 'CANCELLED';
export type Health = 'GREEN' | 'YELLOW' | 'RED' | 'BLUE' | 'NONE';

export interface Dept {
  id: string;
  name: string;
}

export interface TaskCardData {
  taskId: string;
  title: string;
  path: string;
  status: Status;
  health: Health | null;
  escalationLevel: number;
  dueDate: string | null;
  needsAssignment: boolean;
  progress: number;
  leadDepartment: Dept | null;
  plan: { id: string };
  /** What the signed-in user may do now (Task.allowedActions). */
  allowedActions: string[];
}

export const CARD_FIELDS =
  'taskId allowedActions title path status health escalationLevel dueDate needsAssignment progress leadDepartment { id name } plan { id }';

import { taskLight } from '../../../domain/vocabulary';

const HEALTH_RANK: Record<string, number> = { RED: 0, YELLOW: 1, GREEN: 2, BLUE: 3 };

/** Most urgent first: escalation, then light, then the nearest deadline. */
export function byUrgency(a: TaskCardData, b: TaskCardData): number {
  return (
    b.escalationLevel - a.escalationLevel ||
    (HEALTH_RANK[taskLight(a)] ?? 4) - (HEALTH_RANK[taskLight(b)] ?? 4) ||
    (a.dueDate ?? '9999').localeCompare(b.dueDate ?? '9999')
  );
}
