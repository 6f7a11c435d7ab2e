// One-shot: `npm run migrate` (DATABASE_URL=postgres://...) applies all migrations and exits.
import { createLogger } from '../api/log.js';
import { migrate } from './index.js';

const databaseUrl = process.env.DATABASE_URL;
const logger = createLogger({ name: 'migrate' });
if (!databaseUrl) {
  logger.error('DATABASE_URL is not set');
  process.exit(2);
}
try {
  const { applied } = await migrate({ databaseUrl, logger });
  logger.info({ applied: applied.length }, 'database schema is up to date');
} catch (err) {
  logger.error({ err }, 'migration failed');
  process.exit(1);
}
