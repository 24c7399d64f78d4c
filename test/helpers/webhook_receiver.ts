/**
 * A REAL local webhook receiver for tests (node:http, which Deno runs too): records every request
 * (headers, raw body, arrival time), answers what `respond` says (default 200), and can go down
 * (the port refuses connections) and come back on the same port.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { verifyWebhook } from "../../src/webhooks/signature.ts";

/** One request as received. */
export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  json: any;
  at: number;
}

/** The receiver. */
export interface Receiver {
  /** `http://127.0.0.1:<port>/hook`. */
  readonly url: string;
  readonly port: number;
  readonly received: Received[];
  /** Status (and headers) to answer each request with; default 200. */
  respond: (r: Received) => { status: number; headers?: Record<string, string> };
  /** Closes the port (connections are refused) until `up()`. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  /** Requests with a valid signature under `secret`. */
  verified(secret: string): Promise<Received[]>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Starts a receiver on 127.0.0.1 (a free port, or `port`). */
export async function startReceiver(opts: { port?: number; path?: string } = {}): Promise<Receiver> {
  const received: Received[] = [];
  let server: Server | null = null;
  let port = opts.port ?? 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer(async (req, res) => {
        const body = await readBody(req);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
        let json: unknown = null;
        try {
          json = JSON.parse(body);
        } catch {
          json = null;
        }
        const r: Received = { path: req.url ?? "", headers, body, json, at: Date.now() };
        received.push(r);
        const answer = receiver.respond(r);
        res.writeHead(answer.status, { "content-type": "text/plain", ...answer.headers });
        res.end("ok");
      });
      s.keepAliveTimeout = 100;
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        port = (s.address() as AddressInfo).port;
        server = s;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = null;
      if (!s) return resolve();
      s.close(() => resolve());
      s.closeAllConnections?.();
    });
  await listen();
  const receiver: Receiver = {
    get url() {
      return `http://127.0.0.1:${port}${opts.path ?? "/hook"}`;
    },
    get port() {
      return port;
    },
    received,
    respond: () => ({ status: 200 }),
    down: stop,
    up: listen,
    async verified(secret) {
      const out: Received[] = [];
      for (const r of received) {
        if (await verifyWebhook(secret, r.headers["x-whatsapp-mcp-signature"] ?? null, r.body, Date.now())) out.push(r);
      }
      return out;
    },
    close: stop,
  };
  return receiver;
}
