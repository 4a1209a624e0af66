import { publicJwk, type SigningKey } from '../../auth/signing-keys.js';
import type { JwtAlgorithm } from '../../config.js';
import type { Handler } from '../../http/state.js';

/**
 * Five minutes: short enough that the rotation procedure (README, "Signing keys and JWKS") waits only that long
 * between publishing a `next` key and letting it sign, long enough that resource servers do not fetch per request.
 */
export const JWKS_MAX_AGE_SECONDS = 300;
const CACHED = { 'Cache-Control': `public, max-age=${JWKS_MAX_AGE_SECONDS}` } as const;

export interface KeysSettings {
  algorithm: JwtAlgorithm;
  issuer: string;
  signingKeys: readonly SigningKey[];
}

/** The well-known documents a resource server reads to verify our tokens without sharing a secret. */
export function keysHandlers({ algorithm, issuer, signingKeys }: KeysSettings) {
  // Fixed for the process's life: the key set is read once at start-up.
  const jwks = { keys: signingKeys.map(publicJwk) };

  const getJwks: Handler<'getJwks'> = () => ({ status: 200, body: jwks, headers: CACHED });

  const getAuthorizationServerMetadata: Handler<'getAuthorizationServerMetadata'> = (_input, ctx) => {
    // RFC 8414 wants the issuer to be the server's URL; when JWT_ISSUER is a plain name, the address asked is used.
    const base = /^https?:\/\//.test(issuer) ? issuer.replace(/\/+$/, '') : `${ctx.protocol}://${ctx.host}`;
    return {
      status: 200,
      headers: CACHED,
      body: {
        issuer,
        token_endpoint: `${base}/api/v1/users/login`,
        jwks_uri: `${base}/.well-known/jwks.json`,
        grant_types_supported: ['password', 'refresh_token'],
        response_types_supported: [],
        token_endpoint_auth_methods_supported: ['none'],
        scopes_supported: ['admin'],
        access_token_signing_alg_values_supported: [algorithm],
      },
    };
  };

  return { getJwks, getAuthorizationServerMetadata };
}
