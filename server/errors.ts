import type { components } from '../generated/openapi.js';

export type Problem = components['schemas']['Problem'];
export type FieldError = components['schemas']['FieldError'];
type PasswordFeedback = components['schemas']['PasswordFeedback'];
/** The catalogue of codes in openapi.yaml: an AppError cannot carry a code the contract does not list. */
export type ProblemCode = components['schemas']['ProblemCode'];

/**
 * An error whose `code`, `title` and `detail` are safe to show to the client.
 * Services throw these (made by the factories below, the one list of what can
 * go wrong); the error handler is the one place that turns them into
 * problem+json. Anything that is not an AppError becomes a bare 500.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: ProblemCode;
  readonly title: string;
  readonly errors: FieldError[] | undefined;
  readonly feedback: PasswordFeedback | undefined;
  readonly headers: Record<string, string>;
  /** Members the contract adds to this problem (`mfa_token` of `mfa_required`). */
  readonly extensions: Pick<Problem, 'mfa_token'>;

  constructor(
    status: number,
    code: ProblemCode,
    detail: string,
    options: {
      title?: string;
      errors?: FieldError[];
      feedback?: PasswordFeedback;
      headers?: Record<string, string>;
      extensions?: Pick<Problem, 'mfa_token'>;
      cause?: unknown;
    } = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.title = options.title ?? STATUS_TITLES[status] ?? 'Error';
    this.errors = options.errors;
    this.feedback = options.feedback;
    this.extensions = options.extensions ?? {};
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
    if (this.feedback) problem.feedback = this.feedback;
    return { ...problem, ...this.extensions };
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

// The request as a whole

export function internalError(cause?: unknown): AppError {
  return new AppError(500, 'internal_error', 'The server could not complete the request.', { cause });
}

export function notFound(detail = 'No operation at this path.'): AppError {
  return new AppError(404, 'not_found', detail);
}

export function methodNotAllowed(allow: string): AppError {
  return new AppError(405, 'method_not_allowed', 'This path does not take that method.', { headers: { Allow: allow } });
}

/** Since the body parser takes any JSON value (app.ts), this is a syntax error or an encoding that does not decode. */
export function malformedBody(): AppError {
  return new AppError(400, 'malformed_body', 'The request body could not be read: it is not well-formed, or not encoded as its Content-Encoding says.');
}

/** The statuses that body parsing and the validator both raise, in our words: written once for both. */
export function requestRejected(status: number): AppError {
  if (status === 413) return new AppError(413, 'payload_too_large', 'The request body is too large.');
  if (status === 415) return new AppError(415, 'unsupported_media_type', 'The request body has an unsupported content type or charset.');
  return new AppError(status, 'request_rejected', 'The request was rejected.');
}

export function validationFailed(errors: FieldError[]): AppError {
  return new AppError(422, 'validation_failed', 'The request has invalid fields.', { errors });
}

export function weakPassword(path: string, message: string, feedback: PasswordFeedback): AppError {
  return new AppError(422, 'weak_password', 'The password is too easy to guess.', { errors: [{ path, message }], feedback });
}

// Who is calling

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

export function forbidden(detail = 'This operation needs the admin role.'): AppError {
  return new AppError(403, 'forbidden', detail);
}

export function csrfRejected(detail: string): AppError {
  return new AppError(403, 'csrf_rejected', detail);
}

export function invalidCredentials(): AppError {
  // One answer for an unknown email and a wrong password, so the response
  // does not tell which emails are registered.
  return new AppError(401, 'invalid_credentials', 'Incorrect email or password.');
}

export function wrongPassword(): AppError {
  // 403, not 401: the bearer token is fine, and clients treat 401 as "log in again".
  return new AppError(403, 'wrong_password', 'The password is not correct; nothing was changed.');
}

/** Only after the password is proven right: before that, a deactivated account gets invalidCredentials like any other. */
export function accountDisabled(): AppError {
  return new AppError(403, 'account_disabled', 'This account is deactivated.');
}

/** The password is proven; the account's second factor is still to come (login's first step). */
export function mfaRequired(mfaToken: string): AppError {
  return new AppError(401, 'mfa_required', 'This account needs a code from its authenticator app. Send it with the mfa_token to /api/v1/users/login/mfa.', {
    extensions: { mfa_token: mfaToken },
  });
}

export function invalidMfaToken(): AppError {
  return new AppError(401, 'invalid_mfa_token', 'The mfa_token is invalid, expired or already used. Log in again.');
}

/** 401 while logging in; 403 on the caller's own account, where the bearer token is fine (see wrongPassword), and at a reset. */
export function invalidMfaCode(status: 401 | 403): AppError {
  return new AppError(status, 'invalid_mfa_code', 'The code is not correct, has expired or was already used.');
}

/** A reset link alone does not get into an account with a second factor; nothing was changed. */
export function mfaCodeRequired(): AppError {
  return new AppError(403, 'mfa_code_required', 'This account has an authenticator app: send a code from it, or a recovery code, with the new password.');
}

export function mfaEnrolmentRequired(): AppError {
  return new AppError(403, 'mfa_enrolment_required', 'Admin operations need a second factor on this server: add an authenticator app first (POST /api/v1/users/me/mfa/totp, or `authcli mfa enable`).');
}

export function mfaDisabled(): AppError {
  return new AppError(403, 'mfa_disabled', 'This server does not offer authenticator apps.');
}

export function mfaAlreadyEnabled(): AppError {
  return new AppError(409, 'mfa_already_enabled', 'This account already has an authenticator app; remove it first.');
}

export function mfaNotPending(): AppError {
  return new AppError(409, 'mfa_not_pending', 'There is no authenticator app enrolment to confirm; start one first.');
}

export function mfaNotEnabled(): AppError {
  return new AppError(409, 'mfa_not_enabled', 'This account has no authenticator app.');
}

export function invalidRefreshToken(): AppError {
  return new AppError(401, 'invalid_refresh_token', 'The refresh token is invalid, expired or revoked. Log in again.');
}

export function refreshTokenReused(): AppError {
  return new AppError(401, 'refresh_token_reused', 'This refresh token was already used; the session has been ended for safety. Log in again.');
}

export function tooManyFailures(msBeforeNext: number): AppError {
  const seconds = retryAfterSeconds(msBeforeNext);
  return new AppError(429, 'too_many_login_failures', `Too many failed logins. Try again in ${seconds} seconds.`, {
    headers: { 'Retry-After': String(seconds) },
  });
}

export function tooManyRegistrations(msBeforeNext: number): AppError {
  const seconds = retryAfterSeconds(msBeforeNext);
  return new AppError(429, 'too_many_registrations', `Too many registrations from this address. Try again in ${seconds} seconds.`, {
    headers: { 'Retry-After': String(seconds) },
  });
}

function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

// Accounts and sessions

export function emailTaken(): AppError {
  return new AppError(409, 'email_taken', 'An account with this email already exists.');
}

export function lastAdmin(): AppError {
  return new AppError(409, 'last_admin', 'This is the last active admin; make another admin first.');
}

export function userNotFound(): AppError {
  return new AppError(404, 'user_not_found', 'No account has this id.');
}

export function sessionNotFound(): AppError {
  return new AppError(404, 'session_not_found', 'You have no live session with this id.');
}

// Mail and its links

/** 422, not 400: the request is well-formed (400 means it could not be read); its token is what fails. */
export function invalidResetToken(): AppError {
  // One answer for unknown, used, expired, superseded and voided: which one it was helps nobody but a guesser.
  return new AppError(422, 'invalid_reset_token', 'The reset link is invalid, used or expired. Ask for a new one.');
}

export function invalidVerificationToken(): AppError {
  return new AppError(422, 'invalid_verification_token', 'The confirmation link is invalid, used or expired. Ask for a new one.');
}

/** Only after the password is proven right, like accountDisabled. */
export function emailNotVerified(): AppError {
  return new AppError(403, 'email_not_verified', 'Verify your email first; the link is in the mail we sent. Ask for a new one with POST /api/v1/users/me/email/verification.');
}

export function emailAlreadyVerified(): AppError {
  return new AppError(409, 'email_already_verified', 'This email is verified already.');
}

export function tooManyMailRequests(msBeforeNext: number): AppError {
  const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new AppError(429, 'too_many_mail_requests', `Too many mail requests from this address. Try again in ${seconds} seconds.`, {
    headers: { 'Retry-After': String(seconds) },
  });
}

export function mailDisabled(): AppError {
  return new AppError(503, 'mail_disabled', 'This server sends no mail, so this operation is unavailable.');
}

// Dependencies

export function throttleUnavailable(cause: unknown): AppError {
  return new AppError(503, 'throttle_unavailable', 'The attempt counters are unavailable for a moment; nothing was done. Try again shortly.', {
    headers: { 'Retry-After': '5' },
    cause,
  });
}

export function notReady(detail: string): AppError {
  return new AppError(503, 'not_ready', detail);
}
