import createClient, { type Client } from 'openapi-fetch';
import type { paths } from '../generated/openapi.js';
import { CliError, ExitCode } from './exit-codes.js';
import { sendWithNodeHttp } from './http-transport.js';
import { readVersion } from './version.js';

export type ApiClient = Client<paths>;

/** Long enough for a cold server and a slow bcrypt; short enough that a black-holed address does not hang a script. */
const REQUEST_TIMEOUT_MS = 30_000;

/** Sessions list it, so a user can tell the CLI's logins from their browser's. */
export const CLI_HEADERS = { 'User-Agent': `authcli/${readVersion()} (Node.js ${process.versions.node})` };

/**
 * The one way this CLI talks HTTP: a client typed by the contract, with the
 * bearer token given (a stored login goes through the shared client instead,
 * see session.ts). openapi-fetch returns `{ data, error, response }` for every
 * HTTP answer and throws only when there is no answer, so the transport is the
 * single place that becomes exit 3.
 */
export function createApiClient(baseUrl: string, options: { accessToken?: string } = {}): ApiClient {
  const authorization = options.accessToken === undefined ? {} : { Authorization: `Bearer ${options.accessToken}` };
  return createClient<paths>({ baseUrl, headers: { ...CLI_HEADERS, ...authorization }, fetch: cliTransport(baseUrl) });
}

/** node:http with a timeout (see http-transport.ts); no answer at all is exit 3, naming the server. */
export function cliTransport(baseUrl: string): (request: Request) => Promise<Response> {
  return async function send(request) {
    try {
      return await sendWithNodeHttp(request, { timeoutMs: REQUEST_TIMEOUT_MS });
    } catch (error) {
      throw serverUnreachable(baseUrl, error);
    }
  };
}

function serverUnreachable(baseUrl: string, error: unknown): CliError {
  return new CliError(ExitCode.ServerUnreachable, `cannot reach the server at ${baseUrl} (${describeNetworkError(error)})`, [
    'Is it running? Point authcli elsewhere with --base-url <url> or AUTHCLI_BASE_URL.',
  ], { cause: error });
}

const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`,
};

/** The system error's code says why; `localhost` tried over IPv6 and IPv4 fails with an AggregateError of both. */
function describeNetworkError(error: unknown): string {
  let cause: unknown = error instanceof Error && error.cause !== undefined ? error.cause : error;
  if (cause instanceof AggregateError && cause.errors.length > 0) cause = cause.errors[0];
  if (typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string') {
    return NETWORK_ERRORS[cause.code] ?? cause.code;
  }
  return cause instanceof Error ? cause.message : String(cause);
}
