import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  requestDuration: Histogram<'operation' | 'method' | 'status'>;
  logins: Counter<'outcome'>;
  refreshes: Counter<'outcome'>;
  mail: Counter<'outcome'>;
}

/**
 * Prometheus metrics on a registry of our own (not prom-client's global one),
 * so several apps in one process — as in the tests — never share counters.
 * `countActiveSessions` runs at scrape time, not per request.
 */
export function createMetrics(countActiveSessions: () => Promise<number>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by operationId and status',
    labelNames: ['operation', 'method', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const logins = new Counter({
    name: 'auth_logins_total',
    help: 'Login attempts by outcome (ok, failed, throttled)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const refreshes = new Counter({
    name: 'auth_refreshes_total',
    help: 'Refresh-token exchanges by outcome (ok, reused, invalid)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const mail = new Counter({
    name: 'auth_mail_total',
    help: 'Outbox deliveries by outcome (sent, retried, failed: given up after MAIL_MAX_ATTEMPTS)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  for (const outcome of ['sent', 'retried', 'failed']) mail.inc({ outcome }, 0);
  new Gauge({
    name: 'auth_active_sessions',
    help: 'Sessions that are neither revoked nor expired',
    registers: [registry],
    async collect() {
      this.set(await countActiveSessions());
    },
  });
  return { registry, requestDuration, logins, refreshes, mail };
}
