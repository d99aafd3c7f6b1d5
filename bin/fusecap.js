#!/usr/bin/env node
// Runs the TypeScript CLI through tsx (no build step), from any working directory.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../cli/main.ts');
await runCli(process.argv.slice(2));
