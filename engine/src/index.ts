// Public in-process API of the Duban Temporal-compatible engine.
export { startEngine, type StartOptions, type RunningEngine } from './server.js';
