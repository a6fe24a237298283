/** In-process pub/sub behind the GraphQL subscriptions (the board's live updates). */
import { createPubSub } from 'graphql-yoga';

export interface TaskChangedEvent {
  taskId: string;
  planId: string;
}
export interface NotificationEvent {
  userId: string;
  notificationId: string;
}

export type EventBus = ReturnType<typeof createEventBus>;

export function createEventBus() {
  return createPubSub<{
    taskChanged: [TaskChangedEvent];
    notificationReceived: [NotificationEvent];
  }>();
}
