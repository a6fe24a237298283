/** The importer's parsed plan (ImportPreview.json, domain/parser/types.ts), as the office corrects it. */
import { COLUMN_FIELDS, type ColumnField, type ParsedPlan, type ParsedTask } from '../../../domain/parser/types';

export { COLUMN_FIELDS };
export type { ColumnField, ParsedPlan, ParsedTask } from '../../../domain/parser/types';

export interface ImportColumn {
  index: number;
  header: string;
  field: ColumnField | null;
}

/** Tasks with at least one deadline before the import day. */
export const pastCount = (plan: ParsedPlan): number => plan.tasks.filter((t) => t.deadlines.some((d) => d.past)).length;

export const splitNames = (s: string) =>
  s
    .split(/[、，,;；\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);

/** The deadline the task will be due by: the latest dated one. */
export function dueOf(task: ParsedTask): string {
  return (
    task.deadlines
      .map((d) => d.date)
      .filter((d): d is string => !!d)
      .sort()
      .at(-1) ?? ''
  );
}

export function setDue(task: ParsedTask, date: string, manualText: string, today?: string): void {
  const latest = dueOf(task);
  if (!date) {
    for (const d of task.deadlines) if (d.date === latest) d.date = null;
    return;
  }
  const entry = task.deadlines.find((d) => d.date === latest && latest);
  const past = today ? date < today : false;
  if (entry) {
    entry.date = date;
    if (past) entry.past = true;
    else delete entry.past;
  } else task.deadlines.push({ text: manualText, date, ...(past ? { past: true } : {}) });
}
