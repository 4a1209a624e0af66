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
import { createServer } from 'node:http';
import Router from '@koa/router';
import jwt from 'jsonwebtoken';
import Koa from 'koa';
import { FIXED_USER, listenAndAnnounce, requireSecret } from './reference-server.js';

const key = createSecretKey(Buffer.from(requireSecret(), 'utf8'));

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
  ctx.body = FIXED_USER;
});
const app = new Koa();
app.use(router.routes());

listenAndAnnounce(createServer(app.callback()));
