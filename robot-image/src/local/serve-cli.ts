// `aether serve DIR [--host H] [--port P]`: serves a demo site (static files, and an API sink that answers
// any POST with 201) until Ctrl-C — what `aether run` does for the example locally, for robots elsewhere
// (a cluster's robots reach it at this machine's address).
import { UsageError } from './args.js';

export const SERVE_USAGE = `Usage: aether serve DIR [--host HOST] [--port PORT]

Serves DIR as a demo site (files; /a/b also finds a/b.html; any POST answers 201 with JSON) until
Ctrl-C, e.g. examples/site/public for the example RpaJob in a cluster: point its params portalUrl and
reportApiUrl at the printed URL (with an address the robots can reach).

Options:
      --host HOST        the address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
      --port PORT        the port (default: a free one)`;

export interface ServeArgs {
  dir: string;
  host?: string;
  port?: number;
}

export function parseServeArgs(argv: readonly string[]): ServeArgs {
  const problems: string[] = [];
  const positional: string[] = [];
  const out: { host?: string; port?: number } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (flag !== '--host' && flag !== '--port') {
      if (arg.startsWith('-')) problems.push(`unknown option ${arg}`);
      else positional.push(arg);
      continue;
    }
    const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (v === undefined || v === '') problems.push(`${flag} needs a value`);
    else if (flag === '--host') out.host = v;
    else if (/^\d{1,5}$/.test(v) && Number(v) <= 65535) out.port = Number(v);
    else problems.push(`--port ${v}: expected a port number (0-65535)`);
  }
  if (positional.length === 0) problems.push('serve needs the DIR to serve');
  if (positional.length > 1) problems.push(`unexpected argument ${positional[1]}`);
  if (problems.length > 0) throw new UsageError(problems);
  return { dir: positional[0]!, ...out };
}
