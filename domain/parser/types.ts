// Shape of an imported plan. Field names follow the hand-labelled seeds
// (shared/seeds/*.expected.json) exactly, so snake_case is deliberate here;
// fields marked "extra" are additions the seeds do not carry.

import type { WorkingCalendar } from '../calendar';
import type { Comparator, IsoDate, Recurrence } from '../types';

export interface ParsedDeadline {
  /** The phrase as written, e.g. '到2025年', '2017年９月20日前'. */
  text: string;
  /** Normalised end date; null for a relative deadline without a base date. */
  date: IsoDate | null;
  /**
   * extra: true when the date is before options.today (the import day). The
   * preview flags it; the workflow must not turn it into a milestone or a
   * deadline that is overdue on assignment.
   */
  past?: boolean;
  /** extra: how the date was read when not written in full (沿用上文年份 / 方案年度). */
  inferred?: 'YEAR_FROM_CONTEXT' | 'PLAN_YEAR';
}

/** A relative deadline such as 在5个工作日内 (extra). */
export interface ParsedRelativeDeadline {
  text: string;
  amount: number;
  /** DAY_OF_MONTH: 每月5日前 (amount = the day; recurs monthly). */
  unit: 'WORKING_DAY' | 'DAY' | 'MONTH' | 'YEAR' | 'DAY_OF_MONTH';
  /** Computed when options.baseDate was given (working days need options.calendar). */
  date: IsoDate | null;
}

export interface ParsedTarget {
  /** The clause the target comes from. */
  text: string;
  /** Heuristic metric name (the seeds' metric names are hand-written). */
  metric: string;
  value: number | null;
  unit: string | null;
  comparator: Comparator | null;
  /** Upper bound when comparator is 'range' (e.g. 3-5名). */
  value_max?: number;
  /** True for coverage phrases without a numeral (全覆盖, 所有…纳入, 全部参与) encoded as 100%. */
  implicit?: boolean;
  /** Date the target is tied to by its sentence (e.g. 到2025年，…达到90%). */
  date?: IsoDate;
  /** Only 'weekly' (outside the task-level enum) is carried per target. */
  recurrence?: 'weekly';
  /** extra: the value is a change, not a level (提升5个百分点, 下降1个百分点). */
  change?: boolean;
}

/** extra: why a field was read that way: the source span and a reason (Chinese). */
export interface Evidence {
  field: 'task' | 'lead' | 'cooperating' | 'deadline' | 'target' | 'recurrence' | 'report_cadence';
  /** The span of the source the value comes from, as written. */
  text: string;
  /** Why it was read so, in Chinese (shown in the preview). */
  reason: string;
}

export interface ParsedTask {
  /** Heading chain as written, e.g. ['二、推进能力建设现代化', '(一)提升卫生健康人才能力']. */
  path: string[];
  title: string;
  /** First named responsible department, or [] when the text names none. */
  lead: string[];
  cooperating: string[];
  deadlines: ParsedDeadline[];
  targets: ParsedTarget[];
  recurrence: Exclude<Recurrence, 'weekly'> | null;
  /** extra: true when no department could be read; the office must assign it. */
  unassigned?: boolean;
  /** extra: where lead/cooperating came from. */
  responsibility_source?: 'ANNOTATION' | 'IN_TEXT' | 'CONVENTION' | 'TABLE' | 'APPENDIX' | 'NONE';
  /** extra: per field, the source span it was read from and why. */
  evidence?: Evidence[];
  /** extra: the reporting cadence the text states ('MONTHLY:5' for 每月5日前报送; domain/cadence.ts). */
  report_cadence?: string;
  /** extra: relative deadlines (在5个工作日内). */
  relative_deadlines?: ParsedRelativeDeadline[];
  /** extra: the task's full text (heading + body). */
  body?: string;
}

export type ParseWarningCode =
  | 'UNASSIGNED_TASK'
  | 'NO_TASKS'
  | 'NO_TITLE'
  | 'NO_DOC_NUMBER'
  | 'PAST_DEADLINE'
  | 'MULTIPLE_DOCUMENTS'
  | 'RESPONSIBILITY_CONVENTION'
  | 'IMPLICIT_OWNER'
  | 'TABLE_COLUMNS'
  | 'APPENDIX_UNMATCHED'
  | 'NO_DEPARTMENTS';

export interface ParseWarning {
  code: ParseWarningCode;
  /** Chinese, shown to the office. */
  message: string;
  /** English second. */
  messageEn?: string;
  path?: string[];
}

/** What a table column means (header mapping by meaning; the office may correct it). */
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

export interface ColumnMapping {
  /** The header cells as written. */
  header: string[];
  /** Per column, what it was read as (null: not used). */
  fields: (ColumnField | null)[];
  /** TABLE: tasks are the rows; APPENDIX: a 分工表 completing the tasks of the text. */
  role: 'TABLE' | 'APPENDIX';
  /** Index of the table among the document's tables. */
  table: number;
}

/** One document of a file that holds several (a compilation). */
export interface DocumentSummary {
  index: number;
  title: string | null;
  doc_number: string | null;
  tasks: number;
}

export interface ParsedPlan {
  doc?: string;
  title: string | null;
  issuer: string | null;
  co_issuers?: string[];
  doc_number: string | null;
  /** Department roster (members list in 附件 if present, else departments seen, in order). */
  departments: string[];
  tasks: ParsedTask[];
  plan_targets: ParsedTarget[];
  /** extra: date the document was issued (YYYY-MM-DD), when it says. */
  issued_on?: string | null;
  /** extra: the table columns read, when tasks or responsibilities came from a table. */
  columns?: ColumnMapping;
  /** extra: every document of the file when it holds several; `document` is the one read. */
  documents?: DocumentSummary[];
  document?: number;
  /** extra */
  warnings: ParseWarning[];
}

/** Options of parsePlan (and of table imports, DocumentOptions). */
export interface ParseOptions {
  /** File name, copied to `doc`. */
  docName?: string;
  /** Base date for relative deadlines (在5个工作日内), e.g. the assignment day. */
  baseDate?: IsoDate;
  /** Calendar for working-day relative deadlines. */
  calendar?: WorkingCalendar;
  /** Include each task's full text as `body` (default false). */
  includeBody?: boolean;
  /** The import day (YYYY-MM-DD): deadlines before it are flagged `past`. */
  today?: IsoDate;
  /** For a file holding several documents: which one to read (default: the one with most tasks). */
  documentIndex?: number;
}
