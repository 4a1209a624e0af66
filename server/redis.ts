import { Redis } from 'ioredis';
import type { RedisConfig } from './config.js';
import type { Logger } from './logger.js';

export type { Redis };

/** How long one command may take before it counts as failed (a login then answers 503). */
const COMMAND_TIMEOUT_MS = 1000;
const CONNECT_TIMEOUT_MS = 2000;

/**
 * The instance's one Redis connection, set to fail fast rather than wait:
 * with the offline queue off, a command sent while Redis is down rejects at
 * once instead of being held until a reconnect, so a login answers 503 in
 * milliseconds, not after a client's timeout. ioredis keeps reconnecting in
 * the background and the next request after Redis returns succeeds.
 *
 * Start-up waits for the first connection (briefly) but does not require it:
 * an instance started while Redis is down runs unready (/readyz says so)
 * instead of crash-looping.
 */
export async function openRedis(config: RedisConfig, logger: Logger): Promise<Redis> {
  const client = new Redis(config.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  });
  // ioredis emits an error on every failed reconnect; log the outage once, and its end.
  let down = false;
  client.on('error', (error: Error) => {
    if (!down) logger.error({ err: error }, 'redis unavailable; logins answer 503 until it is back');
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.info('redis reachable again');
    down = false;
  });
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, CONNECT_TIMEOUT_MS);
    client.once('ready', done);
  });
  return client;
}

export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // Fall through: the connection went away while we were leaving anyway.
    }
  }
  client.disconnect();
}
