import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

/**
 * Structured JSON logs. Nothing that could hold a secret is ever passed to
 * the logger (handlers log no bodies, the access log no headers or query
 * strings); redaction is the second line of defence should one slip in.
 */
export function createLogger(level: Config['logLevel'], destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: [
          'password',
          '*.password',
          'new_password',
          'current_password',
          'access_token',
          'refresh_token',
          '*.access_token',
          '*.refresh_token',
          'authorization',
          '*.authorization',
          'headers.authorization',
          'headers.cookie',
          '*.headers.authorization',
          '*.headers.cookie',
          // Node's HTTP parse errors carry the raw bytes read from the socket: headers and bodies of requests
          // pipelined before the bad one, tokens and passwords included (tests/fuzz found them in the log).
          '*.rawPacket',
        ],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ sync: false }),
  );
}
