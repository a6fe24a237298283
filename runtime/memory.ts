/**
 * How far V8 lets this process's heap grow between full collections. By
 * default it grows up to 4x the live size and keeps what it grew; measured
 * with `npm run bench:scale` at 5,000 open tasks, a growth of 1.25x
 * (DUBAN_HEAP_GROWING_PERCENT=25, the default) held the app at 414 MB RSS
 * instead of 486–586 MB, for about 3 ms more CPU per started and assigned
 * task. It applies to every thread of the process, workflow threads included.
 */
import v8 from 'node:v8';

export function applyHeapGrowth(percent: number): void {
  if (percent > 0) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}
