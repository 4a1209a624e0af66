import { ConfigError } from './config.js';

/**
 * Why the server could not listen, in one line naming the address and the variable to change, or undefined for a
 * fault that is not the configuration's. Replaces Node's EADDRINUSE stack trace (issue 11), so a newcomer whose
 * port 8000 is taken learns about PORT.
 */
export function listenProblem(error: unknown, host: string, port: number): ConfigError | undefined {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (code === 'EADDRINUSE') return new ListenError(`Cannot listen on ${address}: another process is using it. Set PORT to a free port (e.g. PORT=${port === 65535 ? 8001 : port + 1}) or stop the other process.`);
  if (code === 'EACCES') return new ListenError(`Cannot listen on ${address}: this user may not open port ${port}. Set PORT to 1024 or above.`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new ListenError(`Cannot listen on ${address}: ${host} is not an address of this machine. Set HOST (e.g. HOST=127.0.0.1, or HOST=0.0.0.0 for every interface).`);
  }
  return undefined;
}

/** A configuration error of one line: the environment was valid, but the address it names cannot be used. */
class ListenError extends ConfigError {
  constructor(problem: string) {
    super([problem]);
    this.message = problem;
  }
}
