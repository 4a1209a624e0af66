import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { throttleUnavailable, tooManyMailRequests } from '../errors.js';
import type { Redis } from '../redis.js';

/**
 * Mail requests (forgot, resend, change) per client address and hour. Run before anything else of the request,
 * so the answer is the same for every email. The per-account limit is not here: it is counted in the database
 * by the mailing itself (AccountMail), and answers 202 rather than 429, so it never tells that an account exists.
 */
export class MailThrottle {
  constructor(private readonly limiter: RateLimiterAbstract) {}

  async consume(ip: string | null): Promise<void> {
    if (!ip) return;
    try {
      await this.limiter.consume(ip);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw tooManyMailRequests(rejection.msBeforeNext);
      throw throttleUnavailable(rejection);
    }
  }
}

/** In Redis when there is one, so every instance counts together; in process otherwise. */
export function createMailThrottle(perHour: number, redis: { client: Redis; keyPrefix: string } | undefined): MailThrottle {
  const options = { points: perHour, duration: 3600 };
  return new MailThrottle(
    redis
      ? new RateLimiterRedis({ ...options, storeClient: redis.client, rejectIfRedisNotReady: true, keyPrefix: `${redis.keyPrefix}mail-address` })
      : new RateLimiterMemory({ ...options, keyPrefix: 'mail-address' }),
  );
}
