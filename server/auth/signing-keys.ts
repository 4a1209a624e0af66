import { createHash, createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { components } from '../../generated/openapi.js';

/** The asymmetric algorithms a signing key may have; the key's type decides which (EC P-256 or RSA). */
export const ASYMMETRIC_ALGORITHMS = ['ES256', 'RS256'] as const;
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

/** `active` keys verify and the last one in the file signs; `next` keys are published and verify but never sign. */
export type KeyStatus = 'active' | 'next';

export interface SigningKey {
  /** RFC 7638 thumbprint (SHA-256) of the public key: stable, derived, never configured by hand. */
  kid: string;
  algorithm: AsymmetricAlgorithm;
  status: KeyStatus;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** The public members only: what `GET /.well-known/jwks.json` lists for a key. */
export type PublicJwk = components['schemas']['JsonWebKey'];

const MAX_KEYS = 20;

/** NIST SP 800-57: below 2048 bits RSA is no longer acceptable for signatures. */
export const MIN_RSA_BITS = 2048;

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g;
const STATUS_LINE = /^\s*#?\s*status:\s*(\S+)\s*$/im;

/**
 * Reads one or more PEM private keys. A key's status is a `status: active` or `status: next` line (a comment or
 * not) anywhere between the previous key and its BEGIN line; without one it is active. `source` names the variable
 * in the problems, so the operator knows which setting to fix.
 */
export function parseSigningKeys(pem: string, algorithm: AsymmetricAlgorithm, source: string, problems: string[]): SigningKey[] {
  const keys: SigningKey[] = [];
  let preambleStart = 0;
  let index = 0;
  for (const match of pem.matchAll(PEM_BLOCK)) {
    index += 1;
    const preamble = pem.slice(preambleStart, match.index);
    preambleStart = match.index + match[0].length;
    const label = `${source} key #${index}`;
    const statusText = STATUS_LINE.exec(preamble)?.[1]?.toLowerCase() ?? 'active';
    if (statusText !== 'active' && statusText !== 'next') {
      problems.push(`${label}: status must be active or next (got "${statusText}")`);
      continue;
    }
    if (!match[1]?.includes('PRIVATE KEY')) {
      problems.push(`${label} is a ${match[1] ?? 'PEM'} block, not a private key (the server signs with it)`);
      continue;
    }
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey(match[0]);
    } catch {
      problems.push(`${label} is not a readable PEM private key (encrypted keys are not supported)`);
      continue;
    }
    const typeProblem = describeKeyTypeProblem(privateKey, algorithm);
    if (typeProblem) {
      problems.push(`${label} ${typeProblem}`);
      continue;
    }
    const publicKey = createPublicKey(privateKey);
    keys.push({ kid: thumbprint(publicKey), algorithm, status: statusText, privateKey, publicKey });
  }
  if (index === 0) problems.push(`${source} holds no PEM private key (make one with \`npm run manage -- keys generate\`)`);
  else if (keys.length === index && !keys.some((key) => key.status === 'active')) {
    problems.push(`${source} has no key with status active: a "next" key is only published, something must sign`);
  }
  // The JWKS schema's bound: a longer list is a file that was never cleaned up, not a rotation.
  if (keys.length > MAX_KEYS) problems.push(`${source} holds ${keys.length} keys; at most ${MAX_KEYS} (remove the ones whose tokens have expired)`);
  const kids = keys.map((key) => key.kid);
  if (new Set(kids).size !== kids.length) problems.push(`${source} lists the same key twice`);
  return keys;
}

function describeKeyTypeProblem(key: KeyObject, algorithm: AsymmetricAlgorithm): string | undefined {
  const type = key.asymmetricKeyType;
  if (algorithm === 'ES256') {
    if (type !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      return `is ${describeKey(key)}, but JWT_ALGORITHM=ES256 needs an EC P-256 key`;
    }
    return undefined;
  }
  if (type !== 'rsa') return `is ${describeKey(key)}, but JWT_ALGORITHM=RS256 needs an RSA key`;
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) return `is an RSA key of ${bits} bits, too weak: at least ${MIN_RSA_BITS} are required`;
  return undefined;
}

function describeKey(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return `a ${key.asymmetricKeyType ?? 'unknown'} key${curve ? ` on ${curve}` : ''}`;
}

/** RFC 7638: SHA-256 over the required public members, in lexicographic order, no whitespace; base64url. */
export function thumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

/** Picks the public members by name, so a private one (`d`, `p`, `q`, …) can never slip into the JWKS. */
export function publicJwk(key: SigningKey): PublicJwk {
  const jwk: JsonWebKey = key.publicKey.export({ format: 'jwk' });
  const common = { kid: key.kid, alg: key.algorithm, use: 'sig' as const };
  if (jwk.kty === 'EC') return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, ...common };
  return { kty: 'RSA', n: jwk.n, e: jwk.e, ...common };
}

/** The newest active key: the last one marked active in the file (keys are appended as they are made). */
export function signingKeyOf(keys: readonly SigningKey[]): SigningKey | undefined {
  return keys.findLast((key) => key.status === 'active');
}
