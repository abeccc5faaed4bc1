#!/usr/bin/env node
// Thin launcher: Troupe ships TypeScript and runs it through tsx's loader, so `npx troupe`
// works from a checkout without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
