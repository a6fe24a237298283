/** The workflows the worker runs (this file is the bundle entry: deterministic code only). */
export { reformTask } from './reformTask';
export { planSupervision } from './planSupervision';
