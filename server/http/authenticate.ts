import type { Context } from 'koa';
import type { AccessTokens } from '../auth/access-tokens.js';
import { duplicateAuthorization, forbidden, invalidToken, mfaEnrolmentRequired, missingToken } from '../errors.js';
import type { components } from '../../generated/openapi.js';

/**
 * What authentication needs of the sessions: whether the session a verified token names still stands, and its
 * user. An interface, so http/ depends on no feature (tests/architecture.test.ts); SessionsService implements it.
 */
export interface SessionAuthenticator {
  authenticate(userId: number, sessionId: string): Promise<components['schemas']['User'] | undefined>;
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
/** The scheme name alone: `Bearer` followed by anything, or nothing. */
const BEARER_SCHEME = /^Bearer(?: |$)/i;

/**
 * The security handler for `OAuth2PasswordBearer`: run by the OpenAPI
 * validator for exactly the operations whose spec asks for a token, with the
 * scopes it lists there. Only the Authorization header counts:
 * `?access_token=` would end up in access logs and browser history.
 */
/**
 * `adminHasSecondFactor`: given when REQUIRE_MFA_FOR_ADMINS is on; an admin operation then also needs the caller
 * to have a confirmed authenticator app (403 `mfa_enrolment_required` otherwise). Enrolling ends the other sessions,
 * so the check is on the account, read on every admin request like the role.
 */
export function authenticateBearer(accessTokens: AccessTokens, sessions: SessionAuthenticator, adminHasSecondFactor?: (userId: number) => Promise<boolean>) {
  return async function authenticateBearer(ctx: Context, scopes: string[]): Promise<void> {
    // Node keeps only the first of repeated Authorization headers; which one the client meant is unknowable
    // (`Bearer <valid>` then `Bearer garbage` was a 200, the reverse a 401).
    if ((ctx.req.headersDistinct.authorization?.length ?? 0) > 1) throw duplicateAuthorization();
    const header = ctx.get('Authorization');
    // Another scheme (e.g. `Basic`) is no bearer token that failed, it is none at all (RFC 6750 §3).
    if (header === '' || !BEARER_SCHEME.test(header)) throw missingToken();
    const token = BEARER.exec(header)?.[1];
    if (token === undefined) throw invalidToken('The Authorization header must be "Bearer <token>".');
    const claims = accessTokens.verify(token);
    if (!claims) throw invalidToken();
    // The session must still stand: logout, deactivation and deletion take
    // effect on the next request, not when the token expires.
    const user = await sessions.authenticate(claims.userId, claims.sessionId);
    if (!user) throw invalidToken();
    // The role is read from the database on every request, so a demotion
    // counts at once; the token itself carries no privileges.
    if (scopes.includes('admin') && user.role !== 'admin') {
      throw forbidden();
    }
    if (scopes.includes('admin') && adminHasSecondFactor && !(await adminHasSecondFactor(user.id))) throw mfaEnrolmentRequired();
    ctx.state.user = user;
    ctx.state.sessionId = claims.sessionId;
  };
}
