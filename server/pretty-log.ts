import { Writable } from 'node:stream';

const LEVELS: Record<number, { name: string; color: string }> = {
  10: { name: 'TRACE', color: '2' },
  20: { name: 'DEBUG', color: '2' },
  30: { name: 'INFO ', color: '32' },
  40: { name: 'WARN ', color: '1;33' },
  50: { name: 'ERROR', color: '1;31' },
  60: { name: 'FATAL', color: '1;31' },
};

/**
 * A pino destination for a terminal: each JSON line becomes one line a person reads (time, level, message, then
 * the other fields as key=value; an access line as status, method, path, operation and duration). Only the
 * shape changes: the fields are the JSON's, so redaction has already happened. No dependency: pino-pretty is a
 * dev dependency and `npm start` must read well where only the runtime ones are installed.
 */
export function prettyLogDestination(out: NodeJS.WritableStream, color: boolean): Writable {
  const paint = (code: string, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  let partial = '';
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line !== '') out.write(`${formatLine(line, paint)}\n`);
      done();
    },
  });
}

function formatLine(line: string, paint: (code: string, text: string) => string): string {
  let entry: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return line;
    entry = Object.fromEntries(Object.entries(parsed));
  } catch {
    return line;
  }
  const { level, time, msg, err, ...fields } = entry;
  const { name, color } = LEVELS[typeof level === 'number' ? level : 30] ?? { name: String(level), color: '0' };
  const clock = typeof time === 'number' ? new Date(time).toISOString().slice(11, 23) : '';
  const head = `${paint('2', clock)} ${paint(color, name)}`;
  if (msg === 'request') return `${head} ${accessLine(fields, paint)}`;
  const rest = Object.entries(fields).map(([key, value]) => `${paint('2', `${key}=`)}${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const text = [String(msg ?? ''), ...rest].join('  ');
  return `${head} ${text}${errorText(err)}`;
}

function accessLine(fields: Record<string, unknown>, paint: (code: string, text: string) => string): string {
  const { status, method, path, operationId, durationMs, requestId } = fields;
  const code = typeof status === 'number' ? status : 0;
  const statusText = paint(code >= 500 ? '1;31' : code >= 400 ? '33' : '32', String(status));
  const operation = typeof operationId === 'string' ? `  ${operationId}` : '';
  return `${statusText} ${String(method)} ${String(path)}${operation}  ${String(durationMs)} ms  ${paint('2', `id=${String(requestId)}`)}`;
}

function errorText(err: unknown): string {
  if (typeof err !== 'object' || err === null) return '';
  const stack: unknown = Reflect.get(err, 'stack');
  const message: unknown = Reflect.get(err, 'message');
  const text = typeof stack === 'string' ? stack : typeof message === 'string' ? message : JSON.stringify(err);
  return `\n    ${text.split('\n').join('\n    ')}`;
}
