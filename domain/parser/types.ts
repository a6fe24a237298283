// Shape of an imported plan. Field names follow the hand-labelled seeds
// (shared/seeds/*.expected.json) exactly, so snake_case is deliberate here;
// fields marked "extra" are additions the seeds do not carry.

import type { Comparator, IsoDate, Recurrence } from '../types';

export interface ParsedDeadline {
  /** The phrase as written, e.g. '到2025年', '2017年９月20日前'. */
  text: string;
  /** Normalised end date; null for a relative deadline without a base date. */
  date: IsoDate | null;
}

/** A relative deadline such as 在5个工作日内 (extra). */
export interface ParsedRelativeDeadline {
  text: string;
  amount: number;
  unit: 'WORKING_DAY' | 'DAY' | 'MONTH' | 'YEAR';
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
  responsibility_source?: 'ANNOTATION' | 'IN_TEXT' | 'NONE';
  /** extra: relative deadlines (在5个工作日内). */
  relative_deadlines?: ParsedRelativeDeadline[];
  /** extra: the task's full text (heading + body). */
  body?: string;
}

export interface ParseWarning {
  code: 'UNASSIGNED_TASK' | 'NO_TASKS' | 'NO_TITLE' | 'NO_DOC_NUMBER';
  message: string;
  path?: string[];
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
  /** extra */
  warnings: ParseWarning[];
}
