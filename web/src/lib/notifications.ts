import { writable } from 'svelte/store';

export interface Notification {
  id: string;
  title: string;
  body: string;
  link: string | null;
  readAt: string | null;
  createdAt: string;
  notice: { level: number; kind: string } | null;
}
export const NOTIFICATION_FIELDS = 'id title body link readAt createdAt notice { level kind }';

/** Unread notifications of the signed-in user: the header's badge. */
export const unreadCount = writable(0);
