/** @deprecated Moved to services/plans.ts; kept only because bench/ still imports this path. */
export * from '../services/plans.ts';
