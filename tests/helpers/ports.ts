import { once } from 'node:events';
import { createServer } from 'node:net';

/**
 * A port nobody listens on right now, for a process that cannot be told to listen on port 0 and report back
 * (redis-server, the bench's servers). The OS picks it; another process could take it before ours binds, a race
 * that is acceptable in tests and benches.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
