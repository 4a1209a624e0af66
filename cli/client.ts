import createClient, { type Client } from 'openapi-fetch';
import type { paths } from '../generated/openapi.js';
import { CliError, ExitCode } from './exit-codes.js';
import { sendWithNodeHttp } from './http-transport.js';
import { readVersion } from './version.js';

export type ApiClient = Client<paths>;

/** Long enough for a cold server and a slow bcrypt; short enough that a black-holed address does not hang a script. */
const REQUEST_TIMEOUT_MS = 30_000;

/** Sessions list it, so a user can tell the CLI's logins from their browser's. */
const USER_AGENT = `authcli/${readVersion()} (Node.js ${process.versions.node})`;

interface ClientOptions {
  /** The bearer token; a function is read for every request, since a session's token changes when it is renewed. */
  accessToken?: string | (() => string);
  /**
   * Called when the server refuses the token as `invalid_token`; resolving
   * true means "renewed, send it again". Each request is retried once at most.
   */
  renewAccessToken?: () => Promise<boolean>;
}

/**
 * The one way this CLI talks HTTP: a client typed by the contract. openapi-fetch
 * returns `{ data, error, response }` for every HTTP answer and throws only when
 * there is no answer, so its transport is the single place that becomes exit 3.
 */
export function createApiClient(baseUrl: string, options: ClientOptions = {}): ApiClient {
  const { accessToken, renewAccessToken } = options;
  const send = async (request: Request): Promise<Response> => {
    if (accessToken !== undefined) {
      request.headers.set('Authorization', `Bearer ${typeof accessToken === 'string' ? accessToken : accessToken()}`);
    }
    try {
      return await sendWithNodeHttp(request, { timeoutMs: REQUEST_TIMEOUT_MS });
    } catch (error) {
      throw serverUnreachable(baseUrl, error);
    }
  };
  return createClient<paths>({
    baseUrl,
    headers: { 'User-Agent': USER_AGENT },
    fetch: async function sendOrRenew(request: Request): Promise<Response> {
      if (renewAccessToken === undefined) return send(request);
      // Cloned before sending: the transport reads the body, and the retry needs it again.
      const retry = request.clone();
      const response = await send(request);
      if (!refusesToken(response)) return response;
      return (await renewAccessToken()) ? send(retry) : response;
    },
  });
}

/** RFC 6750 §3.1: a token that was sent but is expired, revoked or malformed. A missing token or a 403 is no reason to renew. */
function refusesToken(response: Response): boolean {
  return response.status === 401 && /\berror="invalid_token"/.test(response.headers.get('WWW-Authenticate') ?? '');
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
