// graphile-worker logs through its own Logger; route it into our pino logger (JSON, one line each).
import { Logger as GraphileLogger } from 'graphile-worker';
import type { Logger } from '../log.js';

type GraphileLevel = 'error' | 'warning' | 'info' | 'debug';
const RANK: Record<GraphileLevel, number> = { error: 0, warning: 1, info: 2, debug: 3 };

/** A graphile-worker Logger writing to `logger` (or nowhere), keeping messages at `minLevel` or above. */
export function graphileLogger(logger: Logger | undefined, minLevel: GraphileLevel = 'warning'): GraphileLogger {
  return new GraphileLogger((scope) => (level, message, meta) => {
    if (!logger || RANK[level] > RANK[minLevel]) return;
    const fields = { component: 'graphile-worker', ...scope, ...(meta?.error ? { err: meta.error } : {}) };
    if (level === 'error') logger.error(fields, message);
    else if (level === 'warning') logger.warn(fields, message);
    else if (level === 'info') logger.info(fields, message);
    else logger.debug(fields, message);
  });
}
