/** @deprecated Moved to runtime/temporal.ts; kept only because bench/ still imports this path. */
export * from '../runtime/temporal.ts';
