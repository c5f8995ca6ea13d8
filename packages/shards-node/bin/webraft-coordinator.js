#!/usr/bin/env node
// The published entry point: the compiled CLI (run `pnpm build` first in a checkout).
import '../dist/cli.js';
