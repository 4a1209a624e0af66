import { relative } from 'node:path';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

export interface StartupFacts {
  /** e.g. `http://127.0.0.1:8000` */
  url: string;
  config: Config;
  /** From loadConfig: things that work but should not (the development JWT secret). */
  warnings: string[];
  /** Whether a `.env` file was read. */
  dotEnvLoaded: boolean;
}

/** For log collectors: the warnings, then the one "listening" line (tests and tools read its `url`). */
export function logStartup(logger: Logger, { url, config, warnings }: StartupFacts): void {
  for (const warning of warnings) logger.warn(warning);
  logger.info({ url, database: config.database.kind }, `listening on ${url} (docs at ${url}/docs)`);
}

/**
 * For a person at a terminal: what is listening, where the docs are, which database, and any warning, set apart
 * so that the development secret cannot scroll by unnoticed among log lines.
 */
export function startupBanner({ url, config, warnings, dotEnvLoaded }: StartupFacts, color: boolean): string {
  const paint = (code: string, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const row = (label: string, text: string) => `  ${paint('2', label.padEnd(9))} ${text}`;
  const lines = [
    '',
    `authapi is listening on ${paint('1;36', url)}`,
    row('API docs', `${url}/docs  (also /redoc and /openapi.yaml)`),
    row('database', describeDatabase(config.database)),
    row('counters', config.redis ? `failed logins counted in Redis (${redactUrl(config.redis.url)})` : 'failed logins counted in this process (no REDIS_URL)'),
    row('settings', dotEnvLoaded ? '.env, then the environment (the environment wins)' : 'no .env file: defaults and the environment'),
    row('logs', 'one line per request below; LOG_FORMAT=json for JSON lines'),
    row('stop', 'Ctrl-C lets requests in flight finish; Ctrl-\\ (SIGQUIT) exits at once'),
    '',
  ];
  for (const warning of warnings) {
    lines.push(paint('1;7;33', ` !! WARNING `) + ' ' + paint('1;33', warning));
  }
  if (warnings.some((warning) => warning.startsWith('JWT_SECRET'))) lines.push(paint('1;33', '    Fix: cp .env.example .env, then set JWT_SECRET to the output of `openssl rand -base64 48`.'), '');
  return lines.join('\n') + '\n';
}

function describeDatabase(database: Config['database']): string {
  if (database.kind === 'sqlite') {
    const path = relative(process.cwd(), database.path);
    return `SQLite ${path.startsWith('..') || path === '' ? database.path : `./${path}`}`;
  }
  return `PostgreSQL ${redactUrl(database.url)}`;
}

/** Host, port and database of a URL, never its password. */
function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    url.password = '';
    return url.toString();
  } catch {
    return '(unparsable URL)';
  }
}
