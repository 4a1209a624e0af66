import { startApp } from './app.js';
import { ConfigError, loadConfig, loadDotEnv } from './config.js';
import { createLogger } from './logger.js';
import { prettyLogDestination } from './pretty-log.js';
import { stopOnSignals } from './shutdown-signals.js';
import { logStartup, startupBanner } from './startup-report.js';

/** Configuration errors, including an address that cannot be listened on, exit with EX_CONFIG. */
function exitWithConfigError(error: unknown): never {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(78);
}

const dotEnvLoaded = loadDotEnv();
let loaded;
try {
  loaded = loadConfig();
} catch (error) {
  exitWithConfigError(error);
}
const { config, warnings } = loaded;
// A person at a terminal gets readable lines; anything else (a pipe, a log collector) gets JSON unless asked.
const pretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stdout.isTTY);
const color = pretty && process.stdout.isTTY && !process.env.NO_COLOR;
const logger = createLogger(config.logLevel, pretty ? prettyLogDestination(process.stdout, color) : undefined);

let running;
try {
  running = await startApp(config, { logger });
} catch (error) {
  exitWithConfigError(error);
}
const facts = { url: running.url, config, warnings, dotEnvLoaded };
if (pretty) process.stdout.write(startupBanner(facts, color));
else logStartup(logger, facts);

stopOnSignals(running.stop, logger);
