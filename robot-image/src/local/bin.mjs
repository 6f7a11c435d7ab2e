#!/usr/bin/env node
// The `aether` executable (package.json "bin"): loads the TypeScript CLI through tsx in this same
// process, so signals reach it directly.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
