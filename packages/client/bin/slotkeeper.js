#!/usr/bin/env node
// The workspace ships TypeScript sources: tsx loads them, then the CLI runs.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
