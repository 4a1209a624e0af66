import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasNginx, NGINX, rawGet as get, startNginx, type RunningNginx } from './helpers/nginx.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const SUITE = hasNginx
  ? 'deploy/nginx.conf in front of the API, in a real nginx'
  : `deploy/nginx.conf in front of the API, in a real nginx (SKIPPED: no ${NGINX}; install Debian's nginx-light package)`;

describe.skipIf(!hasNginx)(SUITE, () => {
  let server: TestServer;
  let nginx: RunningNginx | undefined;
  let port = 0;

  beforeAll(async () => {
    server = await startTestServer();
    nginx = await startNginx(Number(new URL(server.url).port));
    port = nginx.port;
  });
  afterAll(async () => {
    await nginx?.stop();
    await server?.stop();
  });

  it('passes the API through', async () => {
    expect(await get(port, '/healthz')).toBe(200);
    expect(await get(port, '/api/v1/users/me')).toBe(401);
  });

  it('serves /metrics on the instance itself (what Prometheus scrapes) …', async () => {
    expect(await get(Number(new URL(server.url).port), '/metrics')).toBe(200);
  });

  it.each([
    '/metrics', '/metrics/', '/METRICS', '/Metrics', '/metrics?format=text', '//metrics', '/./metrics', '/x/../metrics',
    '/%6detrics', '/%6Detrics', '/metrics%2F', '/metrics;x', '/metrics/.', '/metrics//',
  ])('… and never through the edge: %s is a 404', async (path) => {
    expect(await get(port, path)).toBe(404);
  });
});
