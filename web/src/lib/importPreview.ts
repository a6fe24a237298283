/** The importer's parsed plan (ImportPreview.json), as the office corrects it. */
export interface ParsedTarget {
  text: string;
  metric: string | null;
  comparator: string | null;
  value: number | null;
  unit: string | null;
  date?: string | null;
}
export interface ParsedDeadline {
  text: string;
  date: string | null;
  /** Before the import day: shown as 已过期, never chased. */
  past?: boolean;
}
export interface Evidence {
  field: 'task' | 'lead' | 'cooperating' | 'deadline' | 'target' | 'recurrence';
  text: string;
  reason: string;
}
export interface ParsedTask {
  path: string[];
  title: string;
  lead: string[];
  cooperating: string[];
  deadlines: ParsedDeadline[];
  targets: ParsedTarget[];
  recurrence: string | null;
  evidence?: Evidence[];
}
export interface ParsedPlan {
  title: string | null;
  issuer: string | null;
  doc_number: string | null;
  issued_on?: string | null;
  departments: string[];
  tasks: ParsedTask[];
  plan_targets: ParsedTarget[];
  warnings: unknown[];
}

/** Column meanings of a table or 台账, as the importer names them. */
export const COLUMN_FIELDS = [
  'seq',
  'section',
  'task',
  'detail',
  'lead',
  'cooperating',
  'deadline',
  'target',
  'ignore',
] as const;
export type ColumnField = (typeof COLUMN_FIELDS)[number];

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
