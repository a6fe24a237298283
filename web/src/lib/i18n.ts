/** Message catalogues: Chinese first, English second. Components never hard-code user-facing text. */
import { writable, derived } from 'svelte/store';

export type Locale = 'zh-CN' | 'en';

const messages = {
  'zh-CN': {
    'app.title': '督办',
    'app.subtitle': '改革任务督查督办系统',
    'health.heading': '系统状态',
    'health.ok': '运行正常',
    'health.degraded': 'Temporal 未连接',
    'health.loading': '正在加载…',
    'health.error': '无法连接服务器：{message}',
    'health.node': 'Node.js',
    'health.sqlite': 'SQLite',
    'health.temporalSdk': 'Temporal SDK',
    'health.temporal': 'Temporal 服务',
    'locale.switch': 'English',
  },
  en: {
    'app.title': 'Duban',
    'app.subtitle': 'Reform task supervision',
    'health.heading': 'System status',
    'health.ok': 'All systems running',
    'health.degraded': 'Temporal not connected',
    'health.loading': 'Loading…',
    'health.error': 'Cannot reach the server: {message}',
    'health.node': 'Node.js',
    'health.sqlite': 'SQLite',
    'health.temporalSdk': 'Temporal SDK',
    'health.temporal': 'Temporal service',
    'locale.switch': '中文',
  },
} satisfies Record<Locale, Record<string, string>>;

export type MessageKey = keyof (typeof messages)['zh-CN'];

const initial: Locale =
  (typeof localStorage !== 'undefined' && (localStorage.getItem('duban.locale') as Locale)) || 'zh-CN';
export const locale = writable<Locale>(initial);
locale.subscribe((l) => {
  if (typeof localStorage !== 'undefined') localStorage.setItem('duban.locale', l);
  if (typeof document !== 'undefined') document.documentElement.lang = l;
});

export const t = derived(locale, (l) => (key: MessageKey, params: Record<string, string> = {}) => {
  const text: string = messages[l][key] ?? messages['zh-CN'][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? `{${name}}`);
});
