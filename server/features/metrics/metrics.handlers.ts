import { notFound } from '../../errors.js';
import type { Handler } from '../../http/state.js';
import type { Metrics } from '../../metrics.js';

export function metricsHandlers(metrics: Metrics | undefined) {
  const getMetrics: Handler<'getMetrics'> = async (_input, ctx) => {
    if (!metrics) throw notFound('Metrics are turned off (METRICS_ENABLED=false).');
    // prom-client's content type carries a version parameter the spec's media type does not name.
    ctx.type = metrics.registry.contentType;
    return { status: 200, body: await metrics.registry.metrics() };
  };
  return { getMetrics };
}
