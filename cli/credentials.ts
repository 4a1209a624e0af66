import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { components } from '../generated/openapi.js';
import { CliError, notLoggedIn } from './exit-codes.js';

/**
 * What `authcli login` stores for one server. Snake case, like the API, so the
 * file reads the same as the responses it was built from.
 */
export type CredentialsUser = Pick<components['schemas']['User'], 'id' | 'email'>;

export interface StoredCredentials {
  version: 1;
  base_url: string;
  user: CredentialsUser;
  token_type: string;
  access_token: string;
  /** ISO 8601. Checked before every use, so an expired token is refreshed (or reads as "not logged in") rather than sent. */
  access_token_expires_at: string;
  /** Kept when the server issues one; spent and replaced by every refresh (see session.ts). */
  refresh_token?: string;
  saved_at: string;
}

const FILE_VERSION = 1;

/** `$AUTHCLI_CONFIG_DIR`, else `$XDG_CONFIG_HOME/authcli`, else `~/.config/authcli`. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AUTHCLI_CONFIG_DIR) return env.AUTHCLI_CONFIG_DIR;
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  if (env.XDG_CONFIG_HOME?.startsWith('/')) return join(env.XDG_CONFIG_HOME, 'authcli');
  return join(homedir(), '.config', 'authcli');
}

/**
 * One file per server. A readable prefix lets `ls` show which is which; the
 * hash of the full URL keeps two URLs that sanitise alike apart. Separate
 * files mean a login to one server never rewrites another's credentials, so
 * two terminals cannot lose each other's update, and logout is an unlink.
 */
function credentialsPath(baseUrl: string, dir = configDir()): string {
  const readable = baseUrl.replace(/^https?:\/\//, '').replace(/[^A-Za-z0-9.-]+/g, '_').slice(0, 80);
  const hash = createHash('sha256').update(baseUrl).digest('hex').slice(0, 12);
  return join(dir, `credentials-${readable}-${hash}.json`);
}

/** The stored credentials for this server, or undefined when there are none. */
export function loadCredentials(baseUrl: string, dir = configDir()): StoredCredentials | undefined {
  const path = credentialsPath(baseUrl, dir);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw damaged(baseUrl, path, error);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw damaged(baseUrl, path, error);
  }
  if (!isStoredCredentials(parsed) || parsed.base_url !== baseUrl) throw damaged(baseUrl, path);
  return parsed;
}

/** As loadCredentials, but damaged credentials read as none: for logout and login, which replace them. */
export function loadCredentialsIfReadable(baseUrl: string, dir = configDir()): StoredCredentials | undefined {
  try {
    return loadCredentials(baseUrl, dir);
  } catch (error) {
    if (error instanceof CliError) return undefined;
    throw error;
  }
}

/**
 * Writes the file atomically: a reader sees the old file or the new one,
 * never half of either. The temporary file is created 0600 (not chmod-ed
 * afterwards), so the token is never readable by others, not even briefly.
 */
export function saveCredentials(credentials: StoredCredentials, dir = configDir()): string {
  ensurePrivateDir(dir);
  const path = credentialsPath(credentials.base_url, dir);
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, JSON.stringify(credentials, null, 2) + '\n');
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temporary);
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(temporary, path);
  } catch (error) {
    unlinkSync(temporary);
    throw error;
  }
  return path;
}

/** Forgets this server's credentials; true if there were any. */
export function deleteCredentials(baseUrl: string, dir = configDir()): boolean {
  try {
    unlinkSync(credentialsPath(baseUrl, dir));
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
}

export function newCredentials(fields: Omit<StoredCredentials, 'version' | 'saved_at'>, now = new Date()): StoredCredentials {
  return { version: FILE_VERSION, ...fields, saved_at: now.toISOString() };
}

/** The folder holds bearer tokens: 0700, and tightened if it was created looser by someone else. */
function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** Unreadable credentials mean "not logged in": `authcli login` (or logout) replaces the file. */
function damaged(baseUrl: string, path: string, cause?: unknown): CliError {
  return notLoggedIn(baseUrl, `the stored credentials cannot be read (${path})`, cause);
}

function isStoredCredentials(value: unknown): value is StoredCredentials {
  if (typeof value !== 'object' || value === null) return false;
  const fields: Record<string, unknown> = { ...value };
  const user = fields.user;
  return (
    fields.version === FILE_VERSION &&
    typeof fields.base_url === 'string' &&
    typeof user === 'object' &&
    user !== null &&
    'id' in user &&
    typeof user.id === 'number' &&
    'email' in user &&
    typeof user.email === 'string' &&
    typeof fields.token_type === 'string' &&
    typeof fields.access_token === 'string' &&
    typeof fields.access_token_expires_at === 'string' &&
    !Number.isNaN(Date.parse(fields.access_token_expires_at)) &&
    (fields.refresh_token === undefined || typeof fields.refresh_token === 'string') &&
    typeof fields.saved_at === 'string'
  );
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}
