/**
 * `duban` entry point (`npm run cli -- …`, or bin/duban.js once installed).
 * cli/ holds the command line only: subcommands live in cli/commands/ and are
 * registered in cli/program.ts; what they do is in services/ and runtime/.
 */
import { main } from './program.ts';

const code = await main(process.argv);
// Output is flushed by the commands (they await their writes); exit explicitly so
// a lingering handle (a gRPC channel, a timer) can never keep the CLI alive.
process.exit(code);
