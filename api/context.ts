/** The per-request GraphQL context: who is asking, and the handles resolvers use. */
import type { Client as TemporalClient } from '@temporalio/client';
import type { PrismaClient } from '../prisma/client.ts';
import type { DubanConfig } from '../temporal.config.ts';
import type { LoginLimiter } from './auth.ts';
import type { EventBus } from './events.ts';
import type { Loaders } from './loaders.ts';

export type Role = 'OFFICE' | 'DEPARTMENT' | 'SUPERVISOR' | 'ADMIN';

export interface SessionUser {
  id: string;
  username: string;
  role: Role;
  departmentId: string | null;
  /** 代理: the colleagues this user acts for today (api/delegation.ts), their departments among them. */
  actingFor?: ActingFor[];
}

/** A delegation in force today, as the request sees it. */
export interface ActingFor {
  delegationId: string;
  userId: string;
  displayName: string;
  departmentId: string;
  endsOn: string;
}

/** What the server hands every request; built once at startup. */
export interface AppServices {
  prisma: PrismaClient;
  config: DubanConfig;
  /** Absent only while Temporal is unreachable; resolvers that change task state then fail clearly. */
  temporal: TemporalClient | undefined;
  limiter?: LoginLimiter;
  events?: EventBus;
  /** The state of the engine and worker when this process supervises them (npm start). */
  parts?: () => {
    engine: string;
    engineRestarts: number;
    engineDownSince: string | null;
    worker: string;
    stuck: { workflowId: string; taskId: string | null; attempt: number; since: string | null }[];
  };
}

export interface Context extends AppServices {
  user: SessionUser | null;
  /** The raw session token of this request (for logout). */
  token: string | null;
  request: Request;
  clientAddress: string;
  /** Set-Cookie headers to add to the response. */
  setCookies: string[];
  limiter: LoginLimiter;
  events: EventBus;
  loaders: Loaders;
  /**
   * Tasks this request has just changed by a command the workflow accepted: the
   * command's answer shows the task even when a concurrent change (a reassignment)
   * has moved it out of the caller's sight meanwhile.
   */
  commanded?: Set<string>;
}
