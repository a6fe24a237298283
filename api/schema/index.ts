/** The GraphQL schema: each module adds its types and fields to the shared builder. */
import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from '../builder.ts';
import './health.ts';

export const schema = builder.toSchema();
export const printedSchema = (): string => printSchema(lexicographicSortSchema(schema));
