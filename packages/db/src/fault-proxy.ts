// Test support: a TCP proxy on 127.0.0.1 between Ferry and PostgreSQL that injects the faults of a
// database restart (every connection cut, new ones refused, then accepted again) without touching
// the PostgreSQL server itself, which other processes share.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface FaultProxy {
  /** The target's URL with the proxy's address in it. */
  url: string;
  /** Connections currently relayed. */
  readonly open: number;
  /** Cut every relayed connection: `end` closes it (FIN), `reset` aborts it (RST). Returns how many. */
  cut(how?: 'end' | 'reset'): number;
  /** Stop listening: new connections are refused (ECONNREFUSED), as while PostgreSQL is down. */
  refuse(): Promise<void>;
  /** Listen again on the same port. */
  resume(): Promise<void>;
  close(): Promise<void>;
}

/** A proxy to the PostgreSQL of `databaseUrl`, listening on a free loopback port. */
export async function startFaultProxy(databaseUrl: string): Promise<FaultProxy> {
  const target = new URL(databaseUrl);
  const pairs = new Set<[Socket, Socket]>();

  const relay = (client: Socket) => {
    const upstream = createConnection(Number(target.port || 5432), target.hostname);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    // Either side going away takes the other with it, as a real network cut would.
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of pair) socket.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  };

  const listen = (port: number) =>
    new Promise<Server>((resolve, reject) => {
      const server = createServer(relay);
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve(server));
    });

  let server: Server | null = await listen(0);
  const port = (server.address() as { port: number }).port;
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);

  const stop = async () => {
    const s = server;
    server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  const cut = (how: 'end' | 'reset' = 'end') => {
    const count = pairs.size;
    for (const pair of [...pairs]) {
      pairs.delete(pair);
      for (const socket of pair) {
        if (how === 'reset') socket.resetAndDestroy();
        else socket.destroy();
      }
    }
    return count;
  };

  return {
    url: url.toString(),
    get open() {
      return pairs.size;
    },
    cut,
    refuse: async () => {
      // close() waits for relayed connections, so cut them first (a stopped database has none).
      const closing = stop();
      cut();
      await closing;
    },
    resume: async () => {
      server ??= await listen(port);
    },
    close: async () => {
      const closing = stop();
      cut();
      await closing;
    },
  };
}
