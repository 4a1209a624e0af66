import type { Handler } from '../../http/state.js';
import type { Readiness } from './readiness.js';

export function healthHandlers(readiness: Readiness) {
  // Liveness only: no I/O, so a slow database never gets a healthy process restarted.
  const checkLiveness: Handler = (ctx) => {
    ctx.body = { status: 'ok' };
  };

  // Readiness: whether to send this instance traffic. Not an error when it
  // fails, so it is answered here rather than thrown.
  const checkReadiness: Handler = async (ctx) => {
    const report = await readiness.check();
    ctx.set('Cache-Control', 'no-store');
    ctx.status = report.ready ? 200 : 503;
    if (!report.ready) ctx.type = 'application/problem+json';
    ctx.body = report.body;
  };

  return { checkLiveness, checkReadiness };
}
