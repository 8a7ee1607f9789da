#!/usr/bin/env node
// Thin launcher: the program is compiled TypeScript under dist/ (run `npm run build` first).
import '../dist/src/cli/td-agent.js';
