import type { components } from '../generated/openapi.js';
import { CliError, ExitCode } from './exit-codes.js';

type FieldError = components['schemas']['FieldError'];

/**
 * Exit code 1 with the server's own words: the problem's `detail`, then each
 * field error as `path: message`. The body is read as `unknown` because not
 * every error comes from our server: a proxy's HTML 502 is no problem document.
 */
export function serverRefused(response: Response, body: unknown): CliError {
  const detail = stringField(body, 'detail');
  const code = stringField(body, 'code');
  const status = `${response.status}${code ? ` ${code}` : ''}`;
  const message = detail ? `${detail} (${status})` : `the server answered ${response.status} ${response.statusText}`.trimEnd();
  const details = fieldErrors(body).map(({ path, message }) => `${path}: ${message}`);
  // 429 and 503 say when to come back; a script deciding whether to retry wants to know.
  const location = response.headers.get('Location');
  if (location !== null && response.status >= 300 && response.status < 400) details.push(`It redirects to ${location}; is --base-url right?`);
  const retryAfter = response.headers.get('Retry-After');
  if (retryAfter !== null && /^\d+$/.test(retryAfter)) details.push(`Try again in ${retryAfter} s.`);
  return new CliError(ExitCode.GeneralError, message, details);
}

function fieldErrors(body: unknown): FieldError[] {
  if (typeof body !== 'object' || body === null || !('errors' in body) || !Array.isArray(body.errors)) return [];
  return body.errors.flatMap((item: unknown) => {
    const path = stringField(item, 'path');
    const message = stringField(item, 'message');
    return path !== undefined && message !== undefined ? [{ path, message }] : [];
  });
}

function stringField(value: unknown, name: string): string | undefined {
  if (typeof value !== 'object' || value === null || !(name in value)) return undefined;
  const field: unknown = Object.getOwnPropertyDescriptor(value, name)?.value;
  return typeof field === 'string' && field !== '' ? field : undefined;
}
