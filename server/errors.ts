import type { components } from '../generated/openapi.js';

export type Problem = components['schemas']['Problem'];
export type FieldError = components['schemas']['FieldError'];

/**
 * An error whose `code`, `title` and `detail` are safe to show to the client.
 * Services throw these; the error handler is the one place that turns them
 * into problem+json. Anything that is not an AppError becomes a bare 500.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    detail: string,
    options: { title?: string; errors?: FieldError[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.title = options.title ?? STATUS_TITLES[status] ?? 'Error';
    this.errors = options.errors;
    // RFC 9110 §15.5.2: every 401 carries a challenge (login and refresh refusals had none; tests/fuzz).
    this.headers = status === 401 ? { 'WWW-Authenticate': bearerChallenge(), ...options.headers } : (options.headers ?? {});
  }

  toProblem(): Problem {
    const problem: Problem = {
      type: `https://problems.authapi.dev/${this.code.replaceAll('_', '-')}`,
      title: this.title,
      status: this.status,
      detail: this.message,
      code: this.code,
    };
    if (this.errors) problem.errors = this.errors;
    return problem;
  }
}

const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function internalError(cause?: unknown): AppError {
  return new AppError(500, 'internal_error', 'The server could not complete the request.', { cause });
}

/** The protection space every challenge names (RFC 6750 §3: `realm` is the same for all of this API). */
export const AUTH_REALM = 'authapi';

/** `Bearer realm="authapi"`, plus `error="…"` when a bearer token was tried and failed (RFC 6750 §3). */
export function bearerChallenge(error?: 'invalid_token' | 'invalid_request'): string {
  return `Bearer realm="${AUTH_REALM}"${error ? `, error="${error}"` : ''}`;
}

/**
 * RFC 6750 §3: a request without a bearer token — none at all, or another scheme such as `Basic` — gets a
 * challenge without an error attribute; only a bearer token that was tried and refused gets `invalid_token`.
 */
export function missingToken(): AppError {
  return new AppError(401, 'not_authenticated', 'This operation needs a bearer access token.');
}

export function invalidToken(detail = 'The access token is invalid or expired.'): AppError {
  return new AppError(401, 'invalid_token', detail, {
    headers: { 'WWW-Authenticate': bearerChallenge('invalid_token') },
  });
}

/** RFC 6750 §3.1 `invalid_request`: two Authorization headers leave it open which credential is meant. */
export function duplicateAuthorization(): AppError {
  return new AppError(400, 'duplicate_authorization', 'Send one Authorization header, not several.', {
    headers: { 'WWW-Authenticate': bearerChallenge('invalid_request') },
  });
}
