/** Message catalogues: Chinese first, English second. Components never hard-code user-facing text. */
import { writable, derived } from 'svelte/store';
import { label, type VocabularyName } from '../../../domain/vocabulary';

import { en } from './catalogue/en';
import { zh, type MessageKey } from './catalogue/zh';

export type Locale = 'zh-CN' | 'en';

export type { MessageKey };

const messages: Record<Locale, Record<MessageKey, string>> = { 'zh-CN': zh, en };

const initial: Locale =
  (typeof localStorage !== 'undefined' && (localStorage.getItem('duban.locale') as Locale)) || 'zh-CN';
export const locale = writable<Locale>(initial === 'en' ? 'en' : 'zh-CN');
locale.subscribe((l) => {
  if (typeof localStorage !== 'undefined') localStorage.setItem('duban.locale', l);
  if (typeof document !== 'undefined') document.documentElement.lang = l;
});

export const t = derived(locale, (l) => (key: MessageKey, params: Record<string, string> = {}) => {
  const text: string = messages[l][key] ?? messages['zh-CN'][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? `{${name}}`);
});

/** Codes (statuses, lights, notice kinds, event kinds, …) in the reader's language, from the one vocabulary (domain/vocabulary.ts). */
export const v = derived(
  locale,
  (l) => (vocabulary: VocabularyName, code: string | number | null | undefined) =>
    label(vocabulary, code, l === 'en' ? 'en' : 'zh'),
);
