import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { readMailConfig, type MailConfig } from './mail-config.js';
import { readMfa, type MfaConfig } from './mfa-config.js';
import { EnvReader, type Env } from './env-reader.js';
import { ASYMMETRIC_ALGORITHMS, parseSigningKeys, type AsymmetricAlgorithm, type SigningKey } from './auth/signing-keys.js';

/**
 * Typed, validated configuration from the environment. Every problem is
 * reported at start-up with the variable's name, all at once, so an operator
 * fixes a deployment in one round instead of one variable per restart.
 */
export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  host: string;
  port: number;
  database: DatabaseConfig;
  /** Shared state for many instances (login-throttle counters); in-process when unset. */
  redis: RedisConfig | undefined;
  jwt: {
    /** Signs HS* access tokens; always also keys the refresh-token successors (see refresh-tokens.ts). */
    secret: string;
    algorithm: JwtAlgorithm;
    /** ES256/RS256 only: every configured key, in file order (empty for HS*). */
    signingKeys: SigningKey[];
    issuer: string;
    audience: string;
    accessTokenTtlSeconds: number;
  };
  sessions: {
    /** Absolute lifetime of a session from login; rotation never extends it. */
    absoluteTtlSeconds: number;
    /** A session not refreshed for this long ends (never past its absolute expiry). */
    idleTtlSeconds: number;
    /** How long a spent refresh token may be re-presented and get the same successor. */
    reuseGraceSeconds: number;
    /** Live sessions an account may have; a login beyond it ends the oldest. */
    maxPerUser: number;
  };
  loginThrottle: {
    accountMaxFailures: number;
    accountWindowSeconds: number;
    ipMaxFailures: number;
    ipWindowSeconds: number;
    /** Registrations (every attempt, each costs a bcrypt hash) per client address and window. */
    registerIpLimit: number;
    registerIpWindowSeconds: number;
  };
  /** How many reverse proxies in front append to X-Forwarded-For; 0 ignores the header. */
  trustProxyHops: number;
  bcryptRounds: number;
  /** zxcvbn-ts score (0–4) a new password needs (see password-policy.ts). */
  passwordMinScore: number;
  /** Keys the HMAC that pre-hashes passwords before bcrypt (see passwords.ts). */
  passwordPepper: string;
  bodyLimitBytes: number;
  /** Validate every response against openapi.yaml (on in tests; costs time in production). */
  validateResponses: boolean;
  logLevel: 'silent' | 'error' | 'warn' | 'info' | 'debug';
  /** `auto`: lines a person reads when stdout is a terminal, JSON lines otherwise. */
  logFormat: (typeof LOG_FORMATS)[number];
  /** Serve Prometheus metrics at /metrics. */
  metricsEnabled: boolean;
  /** Browser origins (`scheme://host[:port]`) allowed to call the API with CORS and to use cookie mode. */
  corsOrigins: string[];
  /** Cookie mode's refresh cookie gets `Secure`; only development may turn it off. */
  refreshCookieSecure: boolean;
  /** A login with the right password for an unverified email answers 403 `email_not_verified`. */
  requireVerifiedEmail: boolean;
  mail: MailConfig;
  mfa: MfaConfig;
}


export type { MailConfig, MfaConfig };

export type DatabaseConfig = { kind: 'sqlite'; path: string } | { kind: 'postgresql'; url: string };
export interface RedisConfig {
  url: string;
  /** Prepended to every key, so several deployments (or test runs) can share one Redis. */
  keyPrefix: string;
}
export const JWT_ALGORITHMS = ['HS256', 'HS384', 'HS512', ...ASYMMETRIC_ALGORITHMS] as const;
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Secrets that appear in tutorials and templates; never acceptable in production. */
const PLACEHOLDER_SECRETS = new Set([
  'dev_secret',
  'secret',
  'changeme',
  'change-me',
  'change_me',
  'your-secret-key',
  'your_secret_key',
  'supersecret',
  'super-secret',
  'jwt_secret',
  'mysecret',
  'replace-me-with-at-least-32-random-bytes',
  '09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7',
]);
const MIN_SECRET_BYTES = 32;
/** Used only outside production, and announced loudly when it is. */
const DEVELOPMENT_SECRET = 'development-only-secret-do-not-use-in-production!';
const DEFAULT_PEPPER = 'authapi-password-prehash-v1';


export function loadConfig(env: Env = process.env): { config: Config; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  const read = new EnvReader(env, problems);

  const nodeEnv = read.oneOf('NODE_ENV', ['development', 'production', 'test'] as const, 'development');
  const production = nodeEnv === 'production';

  let secret = env.JWT_SECRET ?? '';
  const secretProblem = describeSecretProblem(secret);
  if (secretProblem) {
    if (production) {
      problems.push(`JWT_SECRET ${secretProblem}; production refuses to start without a strong secret (e.g. \`openssl rand -base64 48\`)`);
    } else {
      warnings.push(`JWT_SECRET ${secretProblem}: using a development secret. Tokens are forgeable by anyone who reads this code. Never run like this in production.`);
      secret = DEVELOPMENT_SECRET;
    }
  }

  const algorithm = read.oneOf('JWT_ALGORITHM', JWT_ALGORITHMS, 'HS256');
  const signingKeys = readSigningKeys(env, algorithm, problems, production ? warnings : undefined);

  const config: Config = {
    nodeEnv,
    host: read.string('HOST', '127.0.0.1'),
    port: read.integer('PORT', 8000, 0, 65535),
    database: parseDatabaseUrl(read.string('DATABASE_URL', 'sqlite:///./app.db'), problems),
    redis: parseRedisUrl(env.REDIS_URL?.trim() || undefined, read.string('REDIS_KEY_PREFIX', 'authapi:'), problems),
    jwt: {
      secret,
      algorithm,
      signingKeys,
      issuer: read.string('JWT_ISSUER', 'authapi'),
      audience: read.string('JWT_AUDIENCE', 'authapi'),
      accessTokenTtlSeconds: read.integer('ACCESS_TOKEN_EXPIRE_MINUTES', 60, 1, 60 * 24) * 60,
    },
    sessions: {
      absoluteTtlSeconds: read.integer('REFRESH_TOKEN_EXPIRE_DAYS', 30, 1, 365) * 86_400,
      idleTtlSeconds: read.integer('REFRESH_TOKEN_IDLE_DAYS', 7, 1, 365) * 86_400,
      reuseGraceSeconds: read.integer('REFRESH_REUSE_GRACE_SECONDS', 10, 0, 300),
      maxPerUser: read.integer('MAX_SESSIONS_PER_USER', 50, 1, 10_000),
    },
    loginThrottle: {
      accountMaxFailures: read.integer('LOGIN_ACCOUNT_MAX_FAILURES', 5, 1, 1000),
      accountWindowSeconds: read.integer('LOGIN_ACCOUNT_WINDOW_SECONDS', 900, 1, 86_400),
      ipMaxFailures: read.integer('LOGIN_IP_MAX_FAILURES', 20, 1, 100_000),
      ipWindowSeconds: read.integer('LOGIN_IP_WINDOW_SECONDS', 60, 1, 86_400),
      registerIpLimit: read.integer('REGISTER_IP_LIMIT', 20, 1, 1_000_000),
      registerIpWindowSeconds: read.integer('REGISTER_IP_WINDOW_SECONDS', 3600, 1, 86_400),
    },
    trustProxyHops: read.trustProxy('TRUST_PROXY'),
    bcryptRounds: read.integer('BCRYPT_ROUNDS', 12, production ? 10 : 4, 15),
    passwordMinScore: read.integer('PASSWORD_MIN_SCORE', 3, 0, 4),
    passwordPepper: read.string('PASSWORD_PEPPER', DEFAULT_PEPPER),
    bodyLimitBytes: read.integer('BODY_LIMIT_BYTES', 16 * 1024, 1024, 1024 * 1024),
    validateResponses: read.boolean('VALIDATE_RESPONSES', false),
    metricsEnabled: read.boolean('METRICS_ENABLED', true),
    corsOrigins: parseOrigins(env.CORS_ORIGINS ?? '', problems),
    refreshCookieSecure: read.boolean('REFRESH_COOKIE_SECURE', true),
    logLevel: read.oneOf('LOG_LEVEL', ['silent', 'error', 'warn', 'info', 'debug'] as const, nodeEnv === 'test' ? 'warn' : 'info'),
    logFormat: read.oneOf('LOG_FORMAT', LOG_FORMATS, 'auto'),
    requireVerifiedEmail: read.boolean('REQUIRE_VERIFIED_EMAIL', false),
    mail: readMailConfig(env, read, production, problems, warnings),
    mfa: readMfa(read, env, nodeEnv, problems, warnings),
  };

  if (config.requireVerifiedEmail && config.mail.transport === 'disabled') {
    problems.push('REQUIRE_VERIFIED_EMAIL=true needs mail (nobody could verify an address with MAIL_DISABLED=true)');
  }
  if (production && !config.refreshCookieSecure) {
    problems.push('REFRESH_COOKIE_SECURE=false is for development over plain http://localhost only; production refuses it');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { config, warnings };
}


function describeSecretProblem(secret: string): string | undefined {
  if (secret === '') return 'is not set';
  if (PLACEHOLDER_SECRETS.has(secret.toLowerCase())) return 'is a well-known placeholder';
  if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) return `is shorter than ${MIN_SECRET_BYTES} bytes`;
  return undefined;
}

function isAsymmetric(algorithm: JwtAlgorithm): algorithm is AsymmetricAlgorithm {
  return ASYMMETRIC_ALGORITHMS.some((one) => one === algorithm);
}

/**
 * The private keys of ES256/RS256, from `JWT_SIGNING_KEYS_FILE` (several, for rotation) or `JWT_PRIVATE_KEY` (one,
 * PEM; `\n` escapes allowed for one-line environments). Every environment refuses a missing, unreadable, weak or
 * wrong-type key: unlike a weak secret there is no development fallback that would still work.
 */
function readSigningKeys(env: Env, algorithm: JwtAlgorithm, problems: string[], permissionWarnings: string[] | undefined): SigningKey[] {
  const file = env.JWT_SIGNING_KEYS_FILE?.trim() || undefined;
  const inline = env.JWT_PRIVATE_KEY?.trim() || undefined;
  if (!isAsymmetric(algorithm)) {
    if (file || inline) {
      problems.push(`${file ? 'JWT_SIGNING_KEYS_FILE' : 'JWT_PRIVATE_KEY'} is set, but JWT_ALGORITHM=${algorithm} signs with JWT_SECRET; set JWT_ALGORITHM=ES256 or RS256 to use it`);
    }
    return [];
  }
  if (file && inline) {
    problems.push('JWT_SIGNING_KEYS_FILE and JWT_PRIVATE_KEY are both set; use one (the file for rotation)');
    return [];
  }
  if (inline) return parseSigningKeys(inline.replaceAll('\\n', '\n'), algorithm, 'JWT_PRIVATE_KEY', problems);
  if (!file) {
    problems.push(`JWT_ALGORITHM=${algorithm} needs a private key: set JWT_SIGNING_KEYS_FILE (or JWT_PRIVATE_KEY); make one with \`npm run manage -- keys generate --alg ${algorithm}\``);
    return [];
  }
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    problems.push(`JWT_SIGNING_KEYS_FILE "${file}" cannot be read (${reason})`);
    return [];
  }
  if (permissionWarnings && (statSync(file).mode & 0o077) !== 0) {
    permissionWarnings.push(`JWT_SIGNING_KEYS_FILE "${file}" is readable by other users; chmod 600 it`);
  }
  return parseSigningKeys(pem, algorithm, 'JWT_SIGNING_KEYS_FILE', problems);
}

/**
 * Accepts the tutorial's SQLAlchemy-style URLs so its `.env` runs unchanged:
 * `sqlite:///relative.db` (three slashes) and `sqlite:////absolute.db` (four).
 */
export function parseDatabaseUrl(url: string, problems: string[]): DatabaseConfig {
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgresql', url };
  const sqlite = /^sqlite(?:\+\w+)?:\/\/\/(.*)$/.exec(url);
  if (sqlite) {
    const path = sqlite[1] ?? '';
    if (path === '') {
      problems.push(`DATABASE_URL "${url}" names no file; use e.g. sqlite:///./app.db`);
      return { kind: 'sqlite', path: ':memory:' };
    }
    if (path === ':memory:') return { kind: 'sqlite', path };
    return { kind: 'sqlite', path: isAbsolute(path) ? path : resolve(process.cwd(), path) };
  }
  problems.push(`DATABASE_URL must start with sqlite:/// or postgresql:// (got "${url.replace(/\/\/[^@/]*@/, '//***@')}")`);
  return { kind: 'sqlite', path: ':memory:' };
}

/**
 * `CORS_ORIGINS`: exact origins, comma-separated, e.g. `https://app.example.com,http://localhost:5173`. An origin
 * is compared as text with the browser's `Origin` header, so it must be exactly what a browser sends: scheme, host,
 * optional port, no path and no trailing slash. `*` is refused: cookie mode must know who it trusts.
 */
export function parseOrigins(value: string, problems: string[]): string[] {
  const origins = value.split(',').map((origin) => origin.trim()).filter((origin) => origin !== '');
  for (const origin of origins) {
    let canonical: string | undefined;
    try {
      const url = new URL(origin);
      canonical = url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
    } catch {
      canonical = undefined;
    }
    if (canonical !== origin) problems.push(`CORS_ORIGINS entries must be exact origins such as https://app.example.com (got "${origin}")`);
  }
  return origins;
}

export function parseRedisUrl(url: string | undefined, keyPrefix: string, problems: string[]): RedisConfig | undefined {
  if (url === undefined) return undefined;
  if (!/^rediss?:\/\/./.test(url)) {
    problems.push(`REDIS_URL must start with redis:// or rediss:// (got "${url.replace(/\/\/[^@/]*@/, '//***@')}")`);
    return undefined;
  }
  return { url, keyPrefix };
}

/** Loads `.env` from the working directory when present; real environment variables win. */
export function loadDotEnv(path = resolve(process.cwd(), '.env')): boolean {
  if (!existsSync(path)) return false;
  const before = { ...process.env };
  process.loadEnvFile(path);
  Object.assign(process.env, before);
  return true;
}
