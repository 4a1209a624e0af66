import { LoginThrottle } from '../auth/login-throttle.js';
import { redisLoginLimiters } from '../auth/redis-login-limiters.js';
import { UserSchema } from '../db/entities/user.entity.js';
import { AppError } from '../errors.js';
import { recordAudit } from '../features/audit/audit-log.js';
import { normalizeEmail } from '../features/users/user-view.js';
import { createLogger } from '../logger.js';
import { closeRedis, openRedis } from '../redis.js';
import { changeOneAccount, OPERATOR, reportUnknownEmail } from './account-command.js';
import { USAGE } from './usage.js';

/**
 * Clears an account's failed-login counter in Redis, as the admin API's
 * unlockUser does; 0 when done, 1 when it cannot be done, 2 for a usage error.
 * Without REDIS_URL the counters live inside the running server's memory,
 * out of this process's reach: it says so and points to the admin API.
 */
export async function unlock(args: string[]): Promise<number> {
  const [email, ...extra] = args;
  if (!email || extra.length > 0) {
    console.error(USAGE.unlock);
    return 2;
  }
  return changeOneAccount(email, async (orm, config) => {
    if (!config.redis) {
      console.error(
        'No REDIS_URL: the failed-login counters live in the running server\'s memory, which this command cannot reach.\n' +
          'Use the admin API instead: authcli admin users unlock <id> (POST /api/v1/admin/users/{userId}/unlock), or restart the server.',
      );
      return 1;
    }
    const em = orm.em.fork();
    const user = await em.findOne(UserSchema, { email: normalizeEmail(email) });
    if (!user) return reportUnknownEmail(email);
    // Its own connection problems are reported below as one line, not as log lines.
    const redis = await openRedis(config.redis, createLogger('silent'));
    try {
      const throttle = new LoginThrottle(redisLoginLimiters(redis, config.loginThrottle, config.redis.keyPrefix));
      try {
        await throttle.clearAccount(user.email);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        console.error(`Redis did not answer (REDIS_URL); nothing was cleared.`);
        return 1;
      }
      recordAudit(em, { event: 'user_unlocked', userId: user.id, client: OPERATOR });
      await em.flush();
      console.log(`${user.email} is unlocked: its failed logins are cleared.`);
      return 0;
    } finally {
      await closeRedis(redis);
    }
  });
}
