/**
 * The floor of the stack the API is built on: Koa 3 and @koa/router answering the same fixed JSON as the baseline
 * after verifying the same HS256 token with jsonwebtoken (KeyObject, pinned algorithm), as the real server does.
 * No database, validation, logging or metrics. `npm run bench` measures it beside the bare node:http baseline,
 * so a reader sees how much of the gap to `GET /me` the framework and the JWT library take before any of our code
 * runs. (The real server checks a token it has already verified by a cache lookup instead, see
 * server/auth/access-tokens.ts; this floor verifies every time, as a server without that cache must.)
 * Config: PORT, HOST, JWT_SECRET.
 */
import { createSecretKey } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import jwt from 'jsonwebtoken';
import Koa from 'koa';

const secret = process.env.JWT_SECRET ?? '';
if (Buffer.byteLength(secret) < 32) {
  console.error('JWT_SECRET must be at least 32 bytes');
  process.exit(78);
}
const key = createSecretKey(Buffer.from(secret, 'utf8'));
const user = { id: 1, email: 'baseline@example.com', full_name: null, role: 'member', created_at: '2025-01-01T00:00:00.000Z' };

const router = new Router();
router.get('/api/v1/users/me', (ctx) => {
  const header = ctx.get('Authorization');
  try {
    jwt.verify(header.slice('Bearer '.length), key, { algorithms: ['HS256'], complete: true });
  } catch {
    ctx.status = 401;
    ctx.body = { title: 'Unauthorized', status: 401 };
    return;
  }
  ctx.body = user;
});
const app = new Koa();
app.use(router.routes());

const server = app.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  console.log(JSON.stringify({ level: 30, url, msg: `listening on ${url}` }));
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => server.close(() => process.exit(0)));
