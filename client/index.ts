/**
 * `authapi/client`: the contract's typed client (openapi-fetch on generated/) with a session layer that keeps the
 * access token, refreshes it once for any number of waiting calls, and retries them. Works in browsers (cookie
 * mode) and in Node (tokens kept by a storage you pass).
 */
export { createAuthClient, RefreshFailedError, SessionEndedError, type AuthClient, type AuthClientOptions, type StoredTokens, type TokenStorage } from './auth-client.js';
export type { components, operations, paths } from '../generated/openapi.js';
