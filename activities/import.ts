/** @deprecated Moved to services/import.ts; kept only because bench/ still imports this path. */
export * from '../services/import.ts';
