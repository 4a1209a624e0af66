import { Agent, maxHeaderSize, request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';

/** A request exactly as it goes on the wire; nothing is added but Host, Connection and Content-Length. */
export interface WireRequest {
  method: string;
  /** Already percent-encoded, query string included. */
  path: string;
  headers: Record<string, string | string[]>;
  body?: Buffer;
  /** Bytes that follow the request on the same connection: a second, malformed request. */
  trailingGarbage?: Buffer;
}

export interface WireResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

const TIMEOUT_MS = 15_000;

/** Sends raw requests to one server over kept-alive connections (node:http, so no header is rewritten). */
export class WireClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 4 });
  readonly host: string;
  readonly port: number;

  constructor(baseUrl: string) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
  }

  send(wire: WireRequest): Promise<WireResponse> {
    return wire.trailingGarbage ? this.sendPipelined(wire, wire.trailingGarbage) : this.sendOne(wire);
  }

  close(): void {
    this.agent.destroy();
  }

  private sendOne(wire: WireRequest): Promise<WireResponse> {
    const headers = { ...wire.headers };
    if (wire.body !== undefined) headers['content-length'] = String(wire.body.length);
    return new Promise((resolve, reject) => {
      const req = request(
        { agent: this.agent, host: this.host, port: this.port, method: wire.method, path: wire.path, headers, timeout: TIMEOUT_MS },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(wire.body);
    });
  }

  /** Writes the request and the garbage in one go on a fresh socket; returns the first response read back. */
  private sendPipelined(wire: WireRequest, garbage: Buffer): Promise<WireResponse> {
    const lines = [`${wire.method} ${wire.path} HTTP/1.1`, `Host: ${this.host}:${this.port}`];
    for (const [name, value] of Object.entries(wire.headers)) {
      for (const one of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${one}`);
    }
    if (wire.body !== undefined) lines.push(`Content-Length: ${wire.body.length}`);
    const head = Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port });
      const chunks: Buffer[] = [];
      socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        const parsed = parseFirstResponse(Buffer.concat(chunks));
        if (parsed) {
          socket.destroy();
          resolve(parsed);
        }
      });
      socket.on('error', reject);
      socket.on('close', () => {
        const parsed = parseFirstResponse(Buffer.concat(chunks));
        if (parsed) resolve(parsed);
        else reject(new Error('the connection closed without a complete response'));
      });
      // write, not end: a client that pipelines keeps its side open for the answers.
      socket.write(Buffer.concat([head, wire.body ?? Buffer.alloc(0), garbage]));
    });
  }
}

/** The first HTTP/1.1 response in `data`, once it is complete (Content-Length framing, as Koa and Node use here). */
function parseFirstResponse(data: Buffer): WireResponse | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...headerLines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? NaN);
  if (!Number.isInteger(status)) return undefined;
  const headers: IncomingHttpHeaders = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  const body = data.subarray(end + 4);
  if (body.length < length) return undefined;
  return { status, headers, body: body.subarray(0, length).toString('utf8') };
}

/** Bytes of the request line and header section as Node counts them against `--max-http-header-size`. */
export function headerSectionBytes(wire: WireRequest, host: string): number {
  let bytes = Buffer.byteLength(`${wire.method} ${wire.path} HTTP/1.1\r\nHost: ${host}\r\nConnection: keep-alive\r\n`, 'latin1');
  for (const [name, value] of Object.entries(wire.headers)) {
    for (const one of Array.isArray(value) ? value : [value]) bytes += name.length + Buffer.byteLength(one, 'latin1') + 4;
  }
  return bytes + 40; // Content-Length and the blank line
}

export const MAX_HEADER_BYTES = maxHeaderSize;
