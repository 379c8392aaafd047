#!/usr/bin/env node
// The SDK's command line, compiled (dist/ is built by `pnpm install`, scripts/build.mjs).
import '../dist/cli.js';
