import type { components } from '../../../generated/openapi.js';
import { pendingMigrations, type Orm } from '../../db/orm.js';
import { notReady } from '../../errors.js';
import type { Redis } from '../../redis.js';

type ReadinessChecks = components['schemas']['ReadinessChecks'];
export type ReadinessReport = { ready: true; body: components['schemas']['Readiness'] } | { ready: false; body: components['schemas']['NotReady'] };

/** A probe that hangs is worse than one that fails: the balancer's own timeout would decide for us. */
const CHECK_TIMEOUT_MS = 2000;

export interface ReadinessDeps {
  orm: Orm;
  /** Undefined when REDIS_URL is not set. */
  redis: Redis | undefined;
}

/**
 * Whether this instance can do its work now, for a load balancer's readiness
 * probe: the database answers, Redis answers (when configured), and the
 * schema is what this version expects. The checks run in parallel, each with
 * its own time limit.
 */
export class Readiness {
  constructor(private readonly deps: ReadinessDeps) {}

  async check(): Promise<ReadinessReport> {
    const { orm, redis } = this.deps;
    const [database, redisState, pending] = await Promise.all([
      succeeds(orm.em.getConnection().execute('select 1')),
      redis ? succeeds(redis.ping()) : Promise.resolve<'disabled'>('disabled'),
      withTimeout(pendingMigrations(orm)).catch(() => undefined),
    ]);
    const checks: ReadinessChecks = {
      database: database ? 'ok' : 'unavailable',
      redis: redisState === 'disabled' ? 'disabled' : redisState ? 'ok' : 'unavailable',
      migrations: pending === undefined ? 'unknown' : pending.length === 0 ? 'ok' : 'pending',
    };
    const failing = Object.entries(checks).filter(([, state]) => state !== 'ok' && state !== 'disabled');
    if (failing.length === 0) return { ready: true, body: { status: 'ready', checks } };
    const detail = `Not ready: ${failing.map(([name, state]) => `${name} ${state}`).join(', ')}.`;
    return { ready: false, body: { ...notReady(detail).toProblem(), checks } };
  }
}

async function succeeds(work: Promise<unknown>): Promise<boolean> {
  try {
    await withTimeout(work);
    return true;
  } catch {
    return false;
  }
}

function withTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`check took longer than ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
