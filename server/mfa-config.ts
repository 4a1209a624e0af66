import type { Config } from './config.js';
import type { Env, EnvReader } from './env-reader.js';

/** Authenticator apps (TOTP) as a second factor; see server/features/mfa. */
export interface MfaConfig {
  /** New enrolments allowed; existing factors are always enforced (a setting must not switch a protection off). */
  enabled: boolean;
  /** The `issuer` the authenticator app shows beside the account. */
  issuer: string;
  /** AES-256-GCM key for the secrets at rest; undefined only when MFA is off and no key was given. */
  encryptionKey: Buffer | undefined;
  /** Admin operations answer 403 `mfa_enrolment_required` to an admin without a confirmed factor. */
  requireForAdmins: boolean;
}

/** Outside production, without MFA_ENCRYPTION_KEY: a fixed key, announced, so secrets survive a restart. */
const DEVELOPMENT_MFA_KEY = Buffer.alloc(32, 'authapi-development-only-mfa-key');

export function readMfa(read: EnvReader, env: Env, nodeEnv: Config['nodeEnv'], problems: string[], warnings: string[]): MfaConfig {
  const production = nodeEnv === 'production';
  const enabled = read.boolean('MFA_ENABLED', true);
  const raw = env.MFA_ENCRYPTION_KEY?.trim() ?? '';
  // 32 bytes, as base64 (`openssl rand -base64 32`) or 64 hex digits.
  const decoded = /^[0-9a-f]{64}$/i.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  let encryptionKey: Buffer | undefined = decoded.length === 32 ? decoded : undefined;
  if (raw !== '' && !encryptionKey) problems.push('MFA_ENCRYPTION_KEY must be 32 bytes, base64 (`openssl rand -base64 32`) or 64 hex digits');
  else if (!encryptionKey && enabled && production) {
    problems.push('MFA_ENCRYPTION_KEY is not set; production refuses to start without it while MFA_ENABLED=true (make one with `openssl rand -base64 32`)');
  } else if (!encryptionKey && !production) {
    if (enabled && nodeEnv === 'development') warnings.push('MFA_ENCRYPTION_KEY is not set: using a development key for authenticator secrets. Never run like this in production.');
    encryptionKey = DEVELOPMENT_MFA_KEY;
  }
  return { enabled, issuer: read.string('MFA_ISSUER', 'authapi'), encryptionKey, requireForAdmins: read.boolean('REQUIRE_MFA_FOR_ADMINS', false) };
}
