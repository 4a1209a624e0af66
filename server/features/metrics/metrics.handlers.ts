import { AppError } from '../../errors.js';
import type { Handler } from '../../http/state.js';
import type { Metrics } from '../../metrics.js';

export function metricsHandlers(metrics: Metrics | undefined) {
  const getMetrics: Handler = async (ctx) => {
    if (!metrics) throw new AppError(404, 'not_found', 'Metrics are turned off (METRICS_ENABLED=false).');
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  };
  return { getMetrics };
}
