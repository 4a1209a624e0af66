/**
 * What the two reference servers (baseline-server.ts, stack-floor-server.ts) share: their configuration, the
 * fixed account they answer /me with, and how they listen and stop, so the two differ only in the stack under test.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { components } from '../generated/openapi.js';

/** JWT_SECRET as the real server takes it (at least 32 bytes); exits 78 (EX_CONFIG) otherwise. */
export function requireSecret(): string {
  const secret = process.env.JWT_SECRET ?? '';
  if (Buffer.byteLength(secret) < 32) {
    console.error('JWT_SECRET must be at least 32 bytes');
    process.exit(78);
  }
  return secret;
}

/** The same body the real GET /me returns, typed by the contract so the byte counts compare. */
export const FIXED_USER: components['schemas']['User'] = {
  id: 1,
  email: 'baseline@example.com',
  full_name: null,
  role: 'member',
  is_active: true,
  created_at: '2025-01-01T00:00:00.000Z',
  email_verified: false,
  email_verified_at: null,
};

/** Listens on PORT/HOST, logs its URL as the real server does (bench/processes.ts waits for it), stops on signals. */
export function listenAndAnnounce(server: Server): void {
  server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}`;
    console.log(JSON.stringify({ level: 30, url, msg: `listening on ${url}` }));
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => server.close(() => process.exit(0)));
}
