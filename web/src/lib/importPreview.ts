/** The importer's parsed plan (ImportPreview.json), as the office corrects it. */
export interface ParsedTarget {
  text: string;
  metric: string | null;
  comparator: string | null;
  value: number | null;
  unit: string | null;
  date?: string | null;
}
export interface ParsedTask {
  path: string[];
  title: string;
  lead: string[];
  cooperating: string[];
  deadlines: { text: string; date: string | null }[];
  targets: ParsedTarget[];
  recurrence: string | null;
}
export interface ParsedPlan {
  title: string | null;
  issuer: string | null;
  doc_number: string | null;
  departments: string[];
  tasks: ParsedTask[];
  plan_targets: ParsedTarget[];
  warnings: unknown[];
}

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

export function setDue(task: ParsedTask, date: string, manualText: string): void {
  const latest = dueOf(task);
  if (!date) {
    for (const d of task.deadlines) if (d.date === latest) d.date = null;
    return;
  }
  const entry = task.deadlines.find((d) => d.date === latest && latest);
  if (entry) entry.date = date;
  else task.deadlines.push({ text: manualText, date });
}
