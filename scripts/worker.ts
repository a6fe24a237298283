/** @deprecated Moved to runtime/worker.ts (the entry point is scripts/start-worker.ts); kept only because bench/ still imports this path. */
export * from '../runtime/worker.ts';
