import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

/** A TCP relay in front of a real server, whose network a test can take down and bring back. */
export interface Relay {
  /** e.g. `http://127.0.0.1:41234`: the server's address through the relay. */
  url: string;
  /** The network goes down: open connections are dropped and new ones refused (ECONNREFUSED). */
  cut(): Promise<void>;
  /** The network is back, on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** Bytes pass both ways untouched: every request reaches the real server, nothing answers in its place. */
export async function startRelay(targetUrl: string): Promise<Relay> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  const listen = async () => {
    const listening = createServer((incoming) => {
      const outgoing = connect(Number(target.port), target.hostname);
      for (const socket of [incoming, outgoing]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {
          incoming.destroy();
          outgoing.destroy();
        });
      }
      incoming.pipe(outgoing).pipe(incoming);
    });
    listening.listen(port, '127.0.0.1');
    await once(listening, 'listening');
    const address = listening.address();
    port = typeof address === 'object' && address !== null ? address.port : 0;
    server = listening;
  };
  const cut = async () => {
    const listening = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (listening) await new Promise((resolve) => listening.close(resolve));
  };

  await listen();
  return { url: `http://127.0.0.1:${port}`, cut, restore: listen, close: cut };
}
