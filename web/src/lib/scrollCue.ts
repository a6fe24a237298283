/**
 * Wide tables scroll sideways inside `.table-wrap`; on a narrow screen a table
 * that does not fit says so (a line above it, from the catalogue), so no column
 * is hidden without a cue. Watches the whole page, imported pages included.
 */
import { get } from 'svelte/store';
import { t } from './i18n';

function mark(root: ParentNode): void {
  const cue = get(t)('table.scrollCue');
  for (const el of root.querySelectorAll<HTMLElement>('.table-wrap')) {
    const over = el.scrollWidth > el.clientWidth + 1;
    if (over) {
      el.dataset.overflow = 'true';
      el.dataset.cue = cue;
    } else delete el.dataset.overflow;
  }
}

export function watchWideTables(root: HTMLElement): () => void {
  let queued = false;
  const schedule = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      mark(root);
    });
  };
  const mo = new MutationObserver(schedule);
  mo.observe(root, { childList: true, subtree: true });
  window.addEventListener('resize', schedule);
  const unsub = t.subscribe(schedule);
  schedule();
  return () => {
    mo.disconnect();
    window.removeEventListener('resize', schedule);
    unsub();
  };
}
