// Entry of the `kubectl-aether` executable (kubectl-aether.mjs launches it).
import { runPlugin } from './plugin.js';

process.exitCode = await runPlugin(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() });
