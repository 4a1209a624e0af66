import createClient from 'openapi-fetch';
import { createAuthClient, type paths } from '../client/index.js';
import { show } from './page.js';

/**
 * The page's session: the shared client in cookie mode, so the refresh token stays in an HttpOnly cookie and the
 * access token only in this page's memory.
 */
export const client = createAuthClient({ baseUrl: location.origin, mode: 'cookie', onSessionEnded: () => show('signed-out') });

/**
 * For the calls made without a session (a login's second step, a mailed link, forgot-password): straight to the
 * server, so no refresh is tried first — a refresh refused there would end a session the page is not using and
 * send the user back to the sign-in screen in the middle of a step.
 */
export const publicApi = createClient<paths>({ baseUrl: location.origin });

/** The header that asks for the refresh token in the cookie rather than in the JSON body. */
export const COOKIE_MODE = { 'X-Token-Transport': 'cookie' } as const;
