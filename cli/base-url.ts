import { usageError } from './exit-codes.js';

export const DEFAULT_BASE_URL = 'http://127.0.0.1:8000';
export const BASE_URL_ENV = 'AUTHCLI_BASE_URL';

/** Flag, then environment, then the default: the order every CLI user expects. An empty variable counts as unset. */
export function resolveBaseUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined) return normaliseBaseUrl(flag, '--base-url');
  const fromEnv = env[BASE_URL_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return normaliseBaseUrl(fromEnv.trim(), BASE_URL_ENV);
  return DEFAULT_BASE_URL;
}

/**
 * One spelling per server, because the base URL keys the stored credentials:
 * `HTTP://Example.com:80/api/` and `http://example.com/api` are the same login.
 */
function normaliseBaseUrl(raw: string, source: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`${source} "${raw}" is not a URL; expected e.g. ${DEFAULT_BASE_URL}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`${source} "${raw}" must start with http:// or https://`);
  }
  // A password in the URL would end up in the credentials file name and in error messages.
  if (url.username !== '' || url.password !== '') throw usageError(`${source} must not contain a user name or password`);
  if (url.search !== '' || url.hash !== '') throw usageError(`${source} "${raw}" must not have a query or fragment`);
  return url.origin + url.pathname.replace(/\/+$/, '');
}
