#!/usr/bin/env node
// Launcher for the `duban` CLI: loads the TypeScript sources through tsx (no
// build step), resolving paths from this file so it works from any directory.
import { register } from 'tsx/esm/api';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

register();
const here = dirname(fileURLToPath(import.meta.url));
await import(pathToFileURL(join(here, '..', 'cli', 'duban.ts')).href);
