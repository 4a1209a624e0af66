/**
 * The floor the real server is compared with: bare `node:http` that verifies an HS256 bearer token with
 * `node:crypto` (HMAC, timingSafeEqual, exp) and answers a fixed JSON body. No framework, database, validation
 * or logging, so the gap to `GET /api/v1/users/me` is what those layers cost. Config: PORT, HOST, JWT_SECRET.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyHs256 } from './hs256.js';

const secret = process.env.JWT_SECRET ?? '';
if (Buffer.byteLength(secret) < 32) {
  console.error('JWT_SECRET must be at least 32 bytes');
  process.exit(78);
}
const key = Buffer.from(secret, 'utf8');
const body = JSON.stringify({ id: 1, email: 'baseline@example.com', full_name: null, role: 'member', created_at: '2025-01-01T00:00:00.000Z' });
const unauthorized = JSON.stringify({ title: 'Unauthorized', status: 401 });

const server = createServer((req, res) => {
  const header = req.headers.authorization ?? '';
  const sub = header.startsWith('Bearer ') ? verifyHs256(key, header.slice(7).trim()) : undefined;
  res.writeHead(sub === undefined ? 401 : 200, { 'Content-Type': 'application/json' });
  res.end(sub === undefined ? unauthorized : body);
});

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  console.log(JSON.stringify({ level: 30, url, msg: `listening on ${url}` }));
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => server.close(() => process.exit(0)));
