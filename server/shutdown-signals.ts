import type { Logger } from './logger.js';

/**
 * Graceful stop on SIGTERM and SIGINT, once. A terminal's Ctrl-C, or a signal sent to the process group, reaches
 * the server twice (directly, and forwarded by npm), and an orchestrator may repeat SIGTERM: a second signal used
 * to kill the process and cut off requests in flight (issue 10). Repeats are now logged and ignored; SIGQUIT
 * (Ctrl-\) is the way to exit at once.
 */
export function stopOnSignals(stop: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const shutDown = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'already shutting down: waiting for requests in flight to finish (SIGQUIT exits at once)');
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutDown);
  process.on('SIGINT', shutDown);
  process.on('SIGQUIT', () => {
    logger.warn({ signal: 'SIGQUIT' }, 'exiting at once; requests in flight are cut off');
    logger.flush();
    process.exit(128 + 3);
  });
}
