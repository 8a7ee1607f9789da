// `td`: the command-line tool for a Treasure-Data-compatible API server (ours or TD's).
// bin/td.js imports this module; it runs with the process's argv, environment and streams.

import { processIo } from './td/context.js';
import { runTd } from './td/program.js';

const code = await runTd(process.argv.slice(2), process.env, processIo());
// Let stdout drain before the process ends (a pipe may still hold part of a large result).
process.exitCode = code;
