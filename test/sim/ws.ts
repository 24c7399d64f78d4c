/**
 * A typed view of the `ws` package's server (installed as a Baileys dependency, shipped
 * without type declarations). `ws` works unchanged on Node 20 and Deno 2, so the simulator
 * needs no per-runtime server code.
 */
// @ts-ignore -- `ws` ships no types (tsc: implicit any; Deno: none needed); typed below.
import * as wsModule from "ws";

/** One accepted WebSocket connection (the subset of `ws.WebSocket` the simulator uses). */
export interface ServerSocket {
  readonly readyState: number;
  send(data: Uint8Array, cb?: (err?: Error) => void): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  on(event: "message", listener: (data: Uint8Array, isBinary: boolean) => void): void;
  on(event: "close", listener: (code: number) => void): void;
  on(event: "error", listener: (err: Error) => void): void;
}

/** The subset of `ws.WebSocketServer` the simulator uses. */
interface WsServer {
  address(): { port: number };
  on(event: "connection", listener: (socket: ServerSocket) => void): void;
  on(event: "listening", listener: () => void): void;
  on(event: "error", listener: (err: Error) => void): void;
  close(cb?: (err?: Error) => void): void;
  readonly clients: Set<ServerSocket>;
}

type WsServerCtor = new (opts: { host: string; port: number; path: string }) => WsServer;

const mod = wsModule as unknown as { WebSocketServer?: WsServerCtor; default?: { WebSocketServer: WsServerCtor } };
const WebSocketServer: WsServerCtor = (mod.WebSocketServer ?? mod.default?.WebSocketServer) as WsServerCtor;

/** `ws` readyState value of an open socket. */
export const WS_OPEN = 1;

/** A listening WebSocket server bound to 127.0.0.1 on an ephemeral port. */
export interface ListeningServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts a WebSocket server on 127.0.0.1 at `path`; `onSocket` gets each new connection. */
export async function listenWebSocket(path: string, onSocket: (s: ServerSocket) => void): Promise<ListeningServer> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, path });
  await new Promise<void>((resolve, reject) => {
    wss.on("listening", resolve);
    wss.on("error", reject);
  });
  wss.on("connection", onSocket);
  return {
    port: wss.address().port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}
