/**
 * The floor the real server is compared with: bare `node:http` that verifies an HS256 bearer token with
 * `node:crypto` (HMAC, timingSafeEqual, exp) and answers a fixed JSON body. No framework, database, validation
 * or logging, so the gap to `GET /api/v1/users/me` is what those layers cost. Config: PORT, HOST, JWT_SECRET.
 */
import { createServer } from 'node:http';
import { verifyHs256 } from './hs256.js';
import { FIXED_USER, listenAndAnnounce, requireSecret } from './reference-server.js';

const key = Buffer.from(requireSecret(), 'utf8');
const body = JSON.stringify(FIXED_USER);
const unauthorized = JSON.stringify({ title: 'Unauthorized', status: 401 });

const server = createServer((req, res) => {
  const header = req.headers.authorization ?? '';
  const sub = header.startsWith('Bearer ') ? verifyHs256(key, header.slice(7).trim()) : undefined;
  res.writeHead(sub === undefined ? 401 : 200, { 'Content-Type': 'application/json' });
  res.end(sub === undefined ? unauthorized : body);
});

listenAndAnnounce(server);
