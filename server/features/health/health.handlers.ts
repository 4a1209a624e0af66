import type { Handler } from '../../http/state.js';

export function healthHandlers() {
  // Liveness only: no I/O, so a slow database never gets a healthy process restarted.
  const checkLiveness: Handler = (ctx) => {
    ctx.body = { status: 'ok' };
  };
  return { checkLiveness };
}
