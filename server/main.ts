import { startApp } from './app.js';
import { ConfigError, loadConfig, loadDotEnv } from './config.js';
import { createLogger } from './logger.js';

loadDotEnv();
let loaded;
try {
  loaded = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(78); // EX_CONFIG
}
const { config, warnings } = loaded;
const logger = createLogger(config.logLevel);
for (const warning of warnings) logger.warn(warning);

const running = await startApp(config, { logger });
logger.info({ url: running.url, database: config.database.kind }, `listening on ${running.url} (docs at ${running.url}/docs)`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'shutting down');
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
