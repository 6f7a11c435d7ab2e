// The command line of local mode, parsed once into a typed object. Every problem is reported at
// once; nothing deeper reads process.argv.

export interface RunArgs {
  command: 'run';
  /** YAML files holding the RpaJob and the RpaWorkflow it references (several documents each). */
  files: string[];
  /** Which RpaJob to run when the files hold several. */
  job?: string;
  /** `--param k=v`: raw text, typed later by the workflow's declared param type. */
  params: Record<string, string>;
  /** `--secret NAME=FILE`: the env file standing in for Secret NAME. */
  secrets: Record<string, string>;
  /** `--secrets-dir DIR`: Secret NAME is read from DIR/NAME.env. */
  secretsDir?: string;
  /** `--serve DIR` serves DIR; `--no-serve` (false) turns the job's own demo site off. */
  serve?: string | false;
  /** Where the embedded PostgreSQL keeps its data (the durable run lives there). */
  dataDir?: string;
  /** Start a new run even if an earlier one of this job is unfinished. */
  fresh: boolean;
  headed: boolean;
  chromiumPath?: string;
  /** Log level of the JSON log file in the data dir. */
  logLevel: string;
  /** `--ui`: serve the web console of this run on 127.0.0.1 (and keep it up after the run until Ctrl-C). */
  ui: boolean;
  /** `--ui-port N`: the console's port (default: a free one). Implies --ui. */
  uiPort?: number;
  /** `--open`: open the console in the default browser. Implies --ui. */
  open: boolean;
}

export type CliArgs = RunArgs | { command: 'help' };

export class UsageError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage: aether run FILE... [options]

Runs an RpaJob from YAML files on this machine: an embedded PostgreSQL, the queue and one robot
with Chromium, the same code a cluster runs. Ctrl-C stops; the same command again resumes the run.

Options:
  -f, --file FILE        a YAML file (several documents allowed); repeatable, like the FILE arguments
      --job NAME         the RpaJob to run when the files hold several
  -p, --param K=V        override a param of the job (typed by the workflow's declaration); repeatable
      --secret NAME=FILE an env file (KEY=value lines) standing in for Secret NAME; repeatable
      --secrets-dir DIR  Secrets are read from DIR/NAME.env
      --serve DIR        serve DIR on 127.0.0.1 and point the job's site params at it
      --no-serve         do not serve the job's demo site (annotation local.aether.dev/serve)
      --data-dir DIR     where the embedded PostgreSQL keeps its data (default .aether/local)
      --new              start a new run even if an earlier run of this job is unfinished
      --headed           show the browser window
      --chromium PATH    the browser (default: AETHER_CHROMIUM_PATH, else Playwright's Chromium,
                         /usr/bin/chromium, chromium-browser, google-chrome(-stable), on PATH)
      --log-level LEVEL  level of the log file in the data dir (default info)
      --ui               serve the web console of this run on 127.0.0.1 and print its sign-in URL
                         (a one-time key); it stays up after the run until Ctrl-C
      --ui-port N        the console's port (default: a free one); implies --ui
      --open             open the console in the default browser; implies --ui
  -h, --help             this text

Outputs are printed to stdout as JSON; progress and errors go to stderr.
Exit codes: 0 succeeded, 1 failed, 2 bad input or environment (no browser, no database; nothing
queued), 130 interrupted (resumable).

A run's artifacts (download steps) are written to DATA-DIR/runs/<run uid>/artifacts/. For a cluster
RpaJob: aether artifacts list|get (aether artifacts --help). To serve a demo site for a cluster's
robots: aether serve DIR (aether serve --help).`;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** `K=V` -> [K, V]; the key must be non-empty. */
function keyValue(flag: string, text: string | undefined, problems: string[]): [string, string] | null {
  if (text === undefined) {
    problems.push(`${flag} needs a value (KEY=VALUE)`);
    return null;
  }
  const i = text.indexOf('=');
  if (i <= 0) {
    problems.push(`${flag} ${text}: expected KEY=VALUE`);
    return null;
  }
  return [text.slice(0, i), text.slice(i + 1)];
}

export function parseArgs(argv: readonly string[]): CliArgs {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '-h' || command === '--help')
    return { command: 'help' };
  if (command !== 'run') throw new UsageError([`unknown command "${command}" (try: aether run examples/rpajob.yaml, or aether artifacts --help)`]);

  const problems: string[] = [];
  const out: RunArgs = {
    command: 'run',
    files: [],
    params: {},
    secrets: {},
    fresh: false,
    headed: false,
    logLevel: 'info',
    ui: false,
    open: false,
  };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    // --flag=value is the same as --flag value.
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string | undefined => {
      if (inline !== undefined) return inline;
      const v = rest[i + 1];
      if (v === undefined || (v.startsWith('-') && v !== '-')) return undefined;
      i++;
      return v;
    };
    const needValue = (): string | undefined => {
      const v = value();
      if (v === undefined) problems.push(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '-h':
      case '--help':
        return { command: 'help' };
      case '-f':
      case '--file': {
        const v = needValue();
        if (v !== undefined) out.files.push(v);
        break;
      }
      case '--job': {
        const v = needValue();
        if (v !== undefined) out.job = v;
        break;
      }
      case '-p':
      case '--param': {
        const kv = keyValue(flag, value(), problems);
        if (kv) out.params[kv[0]] = kv[1];
        break;
      }
      case '--secret': {
        const kv = keyValue(flag, value(), problems);
        if (kv) out.secrets[kv[0]] = kv[1];
        break;
      }
      case '--secrets-dir': {
        const v = needValue();
        if (v !== undefined) out.secretsDir = v;
        break;
      }
      case '--serve': {
        const v = needValue();
        if (v !== undefined) out.serve = v;
        break;
      }
      case '--no-serve':
        out.serve = false;
        break;
      case '--data-dir': {
        const v = needValue();
        if (v !== undefined) out.dataDir = v;
        break;
      }
      case '--new':
        out.fresh = true;
        break;
      case '--headed':
        out.headed = true;
        break;
      case '--chromium': {
        const v = needValue();
        if (v !== undefined) out.chromiumPath = v;
        break;
      }
      case '--log-level': {
        const v = needValue();
        if (v !== undefined && !LOG_LEVELS.includes(v))
          problems.push(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
        else if (v !== undefined) out.logLevel = v;
        break;
      }
      case '--ui':
        out.ui = true;
        break;
      case '--ui-port': {
        const v = needValue();
        if (v === undefined) break;
        const port = /^[0-9]{1,5}$/.test(v) ? Number(v) : NaN;
        if (!(port >= 1 && port <= 65535)) problems.push(`--ui-port ${v}: expected a port number 1-65535`);
        else {
          out.uiPort = port;
          out.ui = true;
        }
        break;
      }
      case '--open':
        out.open = true;
        out.ui = true;
        break;
      default:
        if (arg.startsWith('-') && arg !== '-') problems.push(`unknown option ${arg}`);
        else out.files.push(arg);
    }
  }
  if (out.files.length === 0) problems.push('no file given (try: aether run examples/rpajob.yaml)');
  if (problems.length > 0) throw new UsageError(problems);
  return out;
}
