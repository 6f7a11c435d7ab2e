// Structured JSON logs for operator and robot. Every line names the resource (kind, namespace,
// name) and the job where there is one: pass them with `logger.child({...})`. Job ids have one name
// each: `jobUid` is the RpaJob's uid (also its run's), `graphileJobId` a graphile-worker job row's id,
// `workflowId` the DBOS workflow of one attempt (`rpa-<uid>-a<attempt>`).
import { pino, type Logger } from 'pino';

export type { Logger };

/** Fields that must never reach a log line, wherever they appear in a logged object. */
const REDACT = [
  'password',
  'token',
  'secret',
  'value',
  '*.password',
  '*.token',
  '*.secret',
  'credentials',
  '*.credentials',
  'authorization',
  '*.authorization',
];

export function createLogger(opts: {
  name: string;
  level?: string;
  destination?: NodeJS.WritableStream;
  /** Runs over every finished line before it is written (the robot's redaction of job secrets). */
  filter?: (line: string) => string;
}): Logger {
  const out = opts.destination ?? process.stdout;
  const filter = opts.filter;
  return pino(
    {
      name: opts.name,
      level: opts.level ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    filter ? { write: (line: string) => out.write(filter(line)) } : out,
  );
}
