/**
 * activities/: every side effect of the workflows, the activity set the worker
 * registers (projection.ts, delivery.ts, settings.ts, rounds.ts); not here:
 * what the API, CLI or start-up call directly (services/). Each activity is
 * idempotent: keys chosen by the workflow make a retried call write once.
 */
import type { PrismaClient } from '../prisma/client.ts';
import type { DubanConfig } from '../temporal.config.ts';
import { createDelivery } from './delivery.ts';
import { createMailer, type Mailer } from './mailer.ts';
import { createProjection } from './projection.ts';
import { createRounds } from './rounds.ts';
import { createSettingsReads } from './settings.ts';
import type { DubanActivities } from './types.ts';

export type { DubanActivities } from './types.ts';

export interface ActivityDeps {
  prisma: PrismaClient;
  config: DubanConfig;
  /** Overrides the SMTP mailer built from config (tests, capture mode). */
  mailer?: Mailer;
  fetch?: typeof fetch;
}

export function createActivities(deps: ActivityDeps): DubanActivities {
  const { prisma, config } = deps;
  const mailer = deps.mailer ?? createMailer(config.mail.smtpUrl, config.mail.from);
  return {
    ...createProjection(prisma),
    ...createDelivery({ prisma, config, mailer, fetch: deps.fetch ?? fetch }),
    ...createSettingsReads(prisma),
    ...createRounds(prisma),
  };
}
