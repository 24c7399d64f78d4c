/**
 * The TCP connection of the PostgreSQL client, opened with Nagle's algorithm off. postgres.js
 * opens plain sockets, where a small message sent right after a large one (the end of a COPY,
 * the next query of a pipeline) waits for the server's delayed acknowledgement: 40 ms on Linux,
 * per occurrence, several times per commit. `node:net` works on both runtimes.
 */
import net from "node:net";

/** Where postgres.js connects (its parsed options, as far as used here). */
export interface PgEndpoint {
  host: string[];
  port: number[];
}

/** Connects to the first host of `o` with TCP_NODELAY; resolves once connected (what postgres.js's `socket` option expects). */
export function connectNoDelay(o: PgEndpoint): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: o.host[0], port: o.port[0] ?? 5432, noDelay: true }, () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}
