import { createHash } from 'node:crypto';
import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import { throttleUnavailable, tooManyFailures, tooManyRegistrations } from '../errors.js';

export interface LoginLimiters {
  /** Failed logins per account (keyed by a hash of the normalised email). */
  account: RateLimiterAbstract;
  /** Failed logins per client address. */
  ip: RateLimiterAbstract;
  /** Registration attempts per client address. */
  registration: RateLimiterAbstract;
}

/**
 * In-process counters: right for one instance. Any RateLimiterAbstract with
 * the same options (e.g. rate-limiter-flexible's Redis store) can be passed
 * to LoginThrottle instead, so several instances count together.
 */
export function memoryLoginLimiters(settings: Config['loginThrottle']): LoginLimiters {
  return {
    account: new RateLimiterMemory({ keyPrefix: 'login-account', points: settings.accountMaxFailures, duration: settings.accountWindowSeconds }),
    ip: new RateLimiterMemory({ keyPrefix: 'login-ip', points: settings.ipMaxFailures, duration: settings.ipWindowSeconds }),
    registration: new RateLimiterMemory({ keyPrefix: 'register-ip', points: settings.registerIpLimit, duration: settings.registerIpWindowSeconds }),
  };
}

/**
 * Counts failed logins, not attempts: a user who types the right password is
 * never slowed down, but once an account or an address has used up its
 * failures, every attempt — even with the right password — gets 429 until the
 * window ends. One account's lock never touches another account.
 *
 * When the counters cannot be read or written (a shared store is down), login
 * answers 503 rather than running unthrottled: password guessing must never
 * get cheaper because a dependency failed.
 */
export class LoginThrottle {
  constructor(private readonly limiters: LoginLimiters) {}

  async assertAllowed(email: string, ip: string | null): Promise<void> {
    const checks = [this.blockedFor(this.limiters.account, accountKey(email))];
    if (ip) checks.push(this.blockedFor(this.limiters.ip, ip));
    const waits = (await storeCall(Promise.all(checks))).filter((ms): ms is number => ms !== undefined);
    if (waits.length > 0) throw tooManyFailures(Math.max(...waits));
  }

  async recordFailure(email: string, ip: string | null): Promise<void> {
    const fines = [this.limiters.account.penalty(accountKey(email), 1)];
    if (ip) fines.push(this.limiters.ip.penalty(ip, 1));
    await storeCall(Promise.all(fines));
  }

  async recordSuccess(email: string): Promise<void> {
    await this.clearAccount(email);
  }

  /** Forgets an account's failures (an admin's unlock): its next login is judged afresh. Address counters stay. */
  async clearAccount(email: string): Promise<void> {
    await storeCall(this.limiters.account.delete(accountKey(email)));
  }

  /**
   * Counts a registration attempt from this address, refused or not: each one costs a bcrypt hash, and a 409
   * tells whether an email is registered, so an address gets `REGISTER_IP_LIMIT` tries a window. Without an
   * address (none known) nothing is counted, as for login's per-address limit.
   */
  async consumeRegistration(ip: string | null): Promise<void> {
    if (!ip) return;
    const { registration } = this.limiters;
    const state = await storeCall(registration.get(ip));
    if (state && state.consumedPoints >= registration.points) throw tooManyRegistrations(state.msBeforeNext);
    await storeCall(registration.penalty(ip, 1));
  }

  private async blockedFor(limiter: RateLimiterAbstract, key: string): Promise<number | undefined> {
    const state = await limiter.get(key);
    if (!state || state.consumedPoints < limiter.points) return undefined;
    return state.msBeforeNext;
  }
}

/** get, penalty and delete reject only when the store fails (never to say "limit reached"). */
async function storeCall<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (cause) {
    throw throttleUnavailable(cause);
  }
}

/** Hashed so a shared store never holds the list of emails people tried. */
function accountKey(email: string): string {
  return createHash('sha256').update(email).digest('base64url');
}
