import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';

/** Statuses whose response must not have a body (the Response constructor throws otherwise). */
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

/**
 * The `fetch` that openapi-fetch is given: same Request in, Response out, but
 * sent with node:http. Measured on Node 20 (bench/cli.ts, --cpu-prof): the
 * first global fetch() loads undici's connection stack and compiles its
 * WebAssembly HTTP parser, several times the cost of the whole rest of
 * `authcli me`; node:http's parser is built in. Redirects are not followed:
 * an auth API answers directly, and a 3xx shown to the user ("is --base-url
 * right?") is better than a silent hop that drops the Authorization header.
 */
export async function sendWithNodeHttp(request: Request, options: { timeoutMs: number }): Promise<Response> {
  const url = new URL(request.url);
  const body = request.body === null ? undefined : Buffer.from(await request.arrayBuffer());
  const headers: Record<string, string> = Object.fromEntries(request.headers);
  if (body !== undefined) headers['content-length'] = String(body.length);
  const send = url.protocol === 'https:' ? (await import('node:https')).request : httpRequest;
  const requestOptions: RequestOptions = { method: request.method, headers };

  return new Promise<Response>((resolve, reject) => {
    const outgoing = send(url, requestOptions, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('error', reject);
      incoming.on('end', () => resolve(toResponse(incoming, Buffer.concat(chunks))));
    });
    outgoing.on('error', reject);
    outgoing.setTimeout(options.timeoutMs, () => {
      outgoing.destroy(Object.assign(new Error(`no answer within ${options.timeoutMs / 1000} s`), { code: 'ETIMEDOUT' }));
    });
    outgoing.end(body);
  });
}

function toResponse(incoming: IncomingMessage, body: Buffer): Response {
  const headers = new Headers();
  const raw = incoming.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) headers.append(raw[index] ?? '', raw[index + 1] ?? '');
  const status = incoming.statusCode ?? 502;
  return new Response(NULL_BODY_STATUSES.has(status) ? null : body, { status, statusText: incoming.statusMessage ?? '', headers });
}
