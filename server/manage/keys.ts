import { chmodSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ASYMMETRIC_ALGORITHMS, thumbprint, type AsymmetricAlgorithm, type KeyStatus } from '../auth/signing-keys.js';
import { USAGE } from './usage.js';

/**
 * `keys generate`: a new private key in a file of its own (0600, never overwritten), ready to append to
 * JWT_SIGNING_KEYS_FILE. Its kid goes alone to stdout, so a script can capture it; the rest to stderr.
 * The status defaults to `next`: appended as is, the key is published but does not sign yet (README, rotation).
 */
export function keysCommand(args: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        alg: { type: 'string', default: 'ES256' },
        status: { type: 'string', default: 'next' },
        out: { type: 'string' },
      },
    });
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE.keys}`);
    return 2;
  }
  const { positionals, values } = parsed;
  const algorithm = ASYMMETRIC_ALGORITHMS.find((one) => one === values.alg?.toUpperCase());
  const status: KeyStatus | undefined = values.status === 'next' || values.status === 'active' ? values.status : undefined;
  if (positionals.length !== 1 || positionals[0] !== 'generate' || !algorithm || !status) {
    console.error(USAGE.keys);
    return 2;
  }
  const { pem, kid } = generateSigningKey(algorithm);
  const out = values.out ?? `jwt-signing-key-${kid.slice(0, 12)}.pem`;
  const text = [
    `# authapi signing key, made ${new Date().toISOString()} by \`npm run manage -- keys generate\``,
    `# kid: ${kid}`,
    `# alg: ${algorithm}`,
    '# A next key is published in the JWKS and verifies, but does not sign; the last active key in the file signs.',
    `status: ${status}`,
    pem.trimEnd(),
    '',
  ].join('\n');
  try {
    // `wx`: an existing key file is never overwritten (it may be the one signing now).
    writeFileSync(out, text, { mode: 0o600, flag: 'wx' });
    chmodSync(out, 0o600);
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : 'error';
    console.error(`cannot write ${out} (${code === 'EEXIST' ? 'it exists; it is never overwritten' : code})`);
    return 1;
  }
  console.error(`Wrote ${out} (${algorithm}, status ${status}, mode 0600). Append it to JWT_SIGNING_KEYS_FILE: cat ${out} >> <keys file>`);
  console.log(kid);
  return 0;
}

export function generateSigningKey(algorithm: AsymmetricAlgorithm): { pem: string; kid: string } {
  const pair =
    algorithm === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) : generateKeyPairSync('rsa', { modulusLength: 3072 });
  return { pem: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), kid: thumbprint(pair.publicKey) };
}
