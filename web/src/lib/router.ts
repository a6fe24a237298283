/** A small client-side router: the URL is the state (path + query), links are plain <a href>. */
import { writable, get } from 'svelte/store';

export interface Location {
  path: string;
  query: URLSearchParams;
}

const read = (): Location => ({ path: location.pathname, query: new URLSearchParams(location.search) });

export const here = writable<Location>(read());

export function navigate(href: string, opts: { replace?: boolean } = {}): void {
  const target = new URL(href, location.href);
  if (target.pathname + target.search === location.pathname + location.search) return;
  history[opts.replace ? 'replaceState' : 'pushState']({}, '', target.pathname + target.search);
  here.set(read());
  if (!opts.replace) window.scrollTo(0, 0);
}

/** Replace some query parameters (empty values are removed), keeping the path. */
export function setQuery(changes: Record<string, string | null | undefined>): void {
  const q = new URLSearchParams(get(here).query);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined || v === '') q.delete(k);
    else q.set(k, v);
  }
  const s = q.toString();
  navigate(location.pathname + (s ? `?${s}` : ''), { replace: true });
}

/** Route patterns like `/tasks/:id`; returns the params or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i]!.startsWith(':')) params[p[i]!.slice(1)] = decodeURIComponent(s[i]!);
    else if (p[i] !== s[i]) return null;
  }
  return params;
}

/** Let in-app links navigate without reloading; downloads and other origins pass through. */
export function interceptLinks(root: HTMLElement): () => void {
  const onClick = (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as HTMLElement).closest('a');
    if (!a || a.target || a.hasAttribute('download') || a.dataset.external !== undefined) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/export/') || url.pathname.startsWith('/graphql'))
      return;
    e.preventDefault();
    navigate(url.pathname + url.search);
  };
  const onPop = () => here.set(read());
  root.addEventListener('click', onClick);
  window.addEventListener('popstate', onPop);
  return () => {
    root.removeEventListener('click', onClick);
    window.removeEventListener('popstate', onPop);
  };
}
