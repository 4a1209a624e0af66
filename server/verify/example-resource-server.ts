import Koa from 'koa';
// Another service writes `from 'authapi/verify'` (the package export of this same file; tests/signing-keys.test.ts
// checks it resolves); the relative path keeps this example type-checkable before dist/ is built.
import { createVerifier, koaBearer } from './index.js';

/**
 * A resource server that trusts authapi's access tokens without holding any secret:
 *
 *   AUTH_JWKS_URI=https://auth.example.com/.well-known/jwks.json AUTH_ISSUER=https://auth.example.com \
 *   AUTH_AUDIENCE=authapi PORT=4000 node dist/server/verify/example-resource-server.js
 *
 * `GET /whoami` answers the verified claims; everything else is 404.
 */
const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const verifier = createVerifier({ jwksUri: env('AUTH_JWKS_URI'), issuer: env('AUTH_ISSUER'), audience: env('AUTH_AUDIENCE') });
const app = new Koa();
app.use(koaBearer(verifier));
app.use((ctx) => {
  const token = ctx.state.accessToken;
  if (ctx.path !== '/whoami' || !token) return;
  ctx.body = { user_id: token.subject, session_id: token.sessionId, expires_at: token.expiresAt };
});
const server = app.listen(Number(process.env.PORT ?? 4000), '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') console.log(`listening on http://127.0.0.1:${address.port}`);
});
process.once('SIGTERM', () => server.close());
