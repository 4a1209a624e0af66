import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import type { Redis } from '../redis.js';
import type { LoginLimiters } from './login-throttle.js';

/**
 * The login-throttle counters in Redis, so that every instance behind a load
 * balancer counts an account's failures together (five wrong passwords spread
 * over two instances are five, not two and three).
 *
 * No insurance limiter: falling back to per-instance memory while Redis is
 * down would quietly multiply the allowed failures by the number of
 * instances. LoginThrottle turns a store failure into 503 instead.
 */
export function redisLoginLimiters(client: Redis, settings: Config['loginThrottle'], keyPrefix: string): LoginLimiters {
  const common = { storeClient: client, rejectIfRedisNotReady: true };
  return {
    account: new RateLimiterRedis({
      ...common,
      keyPrefix: `${keyPrefix}login-account`,
      points: settings.accountMaxFailures,
      duration: settings.accountWindowSeconds,
    }),
    ip: new RateLimiterRedis({ ...common, keyPrefix: `${keyPrefix}login-ip`, points: settings.ipMaxFailures, duration: settings.ipWindowSeconds }),
    registration: new RateLimiterRedis({
      ...common,
      keyPrefix: `${keyPrefix}register-ip`,
      points: settings.registerIpLimit,
      duration: settings.registerIpWindowSeconds,
    }),
  };
}
