import type { Handler } from '../../http/state.js';
import type { Readiness } from './readiness.js';

export function healthHandlers(readiness: Readiness) {
  // Liveness only: no I/O, so a slow database never gets a healthy process restarted.
  const checkLiveness: Handler<'checkLiveness'> = () => ({ status: 200, body: { status: 'ok' } });

  // Readiness: whether to send this instance traffic. Not an error when it
  // fails, so it is answered here rather than thrown.
  const checkReadiness: Handler<'checkReadiness'> = async () => {
    const report = await readiness.check();
    const headers = { 'Cache-Control': 'no-store' };
    return report.ready
      ? { status: 200, body: report.body, headers }
      : { status: 503, body: report.body, type: 'application/problem+json', headers };
  };

  return { checkLiveness, checkReadiness };
}
