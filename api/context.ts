/** The per-request GraphQL context: who is asking, and the handles resolvers use. */
import type { Client as TemporalClient } from '@temporalio/client';
import type { PrismaClient } from '../prisma/client.ts';
import type { DubanConfig } from '../temporal.config.ts';

export type Role = 'OFFICE' | 'DEPARTMENT' | 'SUPERVISOR' | 'ADMIN';

export interface SessionUser {
  id: string;
  username: string;
  role: Role;
  departmentId: string | null;
}

/** What the server hands every request; built once at startup. */
export interface AppServices {
  prisma: PrismaClient;
  config: DubanConfig;
  /** Absent only while Temporal is unreachable; resolvers that change task state then fail clearly. */
  temporal: TemporalClient | undefined;
}

export interface Context extends AppServices {
  user: SessionUser | null;
  request: Request;
}
