/** The GraphQL schema: each module adds its types and fields to the shared builder. */
import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from '../builder.ts';
import './errors.ts';
import './objects.ts';
import './health.ts';
import './auth.ts';
import './tasks.ts';
import './responsibility.ts';
import './evidence.ts';
import './plans.ts';
import './rounds.ts';
import './notifications.ts';
import './dashboard.ts';
import './admin.ts';
import './delegations.ts';

export const schema = builder.toSchema();
export const printedSchema = (): string => printSchema(lexicographicSortSchema(schema));
