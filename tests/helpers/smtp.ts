import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface TestSmtpServer {
  /** SMTP_URL for a server under test. */
  url: string;
  port: number;
  /** Every mail received so far, parsed. */
  mails: ReceivedMail[];
  /** Waits (polling real time) until `count` mails to `to` have arrived; returns them. */
  waitFor(to: string, count?: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  stop(): Promise<void>;
  /**
   * An outage: the server keeps its port (so no other test's server can be handed it) but answers every new
   * connection with 421, as an SMTP server going down for maintenance does. Every delivery attempt fails at once.
   */
  refuseConnections(): void;
  /** Ends the outage: new connections are served again. */
  acceptConnections(): void;
}

/** A real SMTP server in this process on port 0: plain SMTP, no auth, every mail parsed with mailparser. */
export async function startSmtpServer(): Promise<TestSmtpServer> {
  const mails: ReceivedMail[] = [];
  let refusing = false;
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_session, callback) {
      if (!refusing) return callback();
      return callback(Object.assign(new Error('Service not available (test outage)'), { responseCode: 421 }));
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          mails.push(toReceived(parsed));
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = smtp.server.address() as AddressInfo;
  let stopped = false;
  return {
    get url() {
      return `smtp://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    mails,
    async waitFor(to, count = 1, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = mails.filter((mail) => mail.to === to);
        if (found.length >= count) return found;
        if (Date.now() > deadline) throw new Error(`expected ${count} mail(s) to ${to}, got ${found.length} (all: ${mails.map((m) => `${m.to}: ${m.subject}`).join('; ')})`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    },
    refuseConnections() {
      refusing = true;
    },
    acceptConnections() {
      refusing = false;
    },
  };
}

function toReceived(parsed: ParsedMail): ReceivedMail {
  const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to;
  return { to: to?.value[0]?.address ?? '', subject: parsed.subject ?? '', text: parsed.text ?? '', html: typeof parsed.html === 'string' ? parsed.html : '' };
}

/** The token of the first link in a mail (the `{token}` of a link template). */
export function tokenIn(mail: ReceivedMail): string {
  const match = /(?:reset_token|verify_token|token)=([A-Za-z0-9_-]{43})/.exec(mail.text);
  if (!match?.[1]) throw new Error(`no link token in the mail "${mail.subject}"`);
  return match[1];
}
