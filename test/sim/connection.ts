/**
 * One client WebSocket connection: noise handshake, stanza framing and encoding, and
 * request/response matching for the iqs the server itself sends. The protocol decisions live
 * in `server.ts`; this file only moves bytes.
 */
import { decodeBinaryNode, encodeBinaryNode } from "@whiskeysockets/baileys";
import type { BinaryNode } from "@whiskeysockets/baileys";
import type { KeyPair } from "@whiskeysockets/baileys";
import { NoiseServer } from "./noise.ts";
import type { ClientHello } from "./noise.ts";
import type { ServerSocket } from "./ws.ts";
import { WS_OPEN } from "./ws.ts";

/** What the server does with a connection's events. */
export interface ConnectionHandlers {
  onHello(conn: Connection, hello: ClientHello): void | Promise<void>;
  onNode(conn: Connection, node: BinaryNode): void | Promise<void>;
  onClose(conn: Connection): void;
}

let nextConnectionId = 1;

/** A client connection (server side). */
export class Connection {
  readonly id = nextConnectionId++;
  /** Set once the client logged in as a known companion device: its PN device JID. */
  deviceKey?: string;
  /** The logged-in companion's device id. */
  deviceId?: number;
  hello?: ClientHello;
  closed = false;
  private readonly noise: NoiseServer;
  private queue: Promise<void> = Promise.resolve();
  private readonly waiting = new Map<string, { resolve: (node: BinaryNode) => void; reject: (err: Error) => void }>();
  private nextId = 1;

  constructor(
    private readonly socket: ServerSocket,
    staticKey: KeyPair,
    certChain: Uint8Array,
    private readonly handlers: ConnectionHandlers,
  ) {
    this.noise = new NoiseServer(staticKey, certChain);
    socket.on("message", (data) => {
      // Serialize: node decoding is async and stanza order matters.
      this.queue = this.queue.then(() => this.onData(data)).catch(() => this.terminate());
    });
    socket.on("close", () => this.markClosed());
    socket.on("error", () => this.markClosed());
  }

  /** A fresh stanza id for server-originated iqs and messages. */
  newId(prefix = "sim"): string {
    return `${prefix}-${this.id}-${this.nextId++}`;
  }

  /** Sends one stanza (dropped silently when the socket is gone, like a real network). */
  send(node: BinaryNode): void {
    this.sendFrame(encodeBinaryNode(node));
  }

  /** Sends raw (already node-encoded) bytes through the noise transport; used for fault injection. */
  sendFrame(bytes: Uint8Array): void {
    if (this.closed || this.socket.readyState !== WS_OPEN) return;
    this.socket.send(this.noise.frame(bytes));
  }

  /** Sends a frame whose body bypasses noise encryption (fault injection: undecryptable frame). */
  sendUnencryptedFrame(body: Uint8Array): void {
    if (this.closed || this.socket.readyState !== WS_OPEN) return;
    const head = Buffer.from([(body.length >>> 16) & 0xff, (body.length >>> 8) & 0xff, body.length & 0xff]);
    this.socket.send(Buffer.concat([head, body]));
  }

  /** Sends an iq and resolves with the client's reply of the same id. */
  query(node: BinaryNode, timeoutMs = 10_000): Promise<BinaryNode> {
    const id = node.attrs.id ?? this.newId();
    node.attrs.id = id;
    return new Promise<BinaryNode>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`Client did not answer iq ${id} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      this.send(node);
    });
  }

  /** Closes the WebSocket gracefully. */
  close(): void {
    if (this.socket.readyState === WS_OPEN) this.socket.close();
    this.markClosed();
  }

  /** Drops the TCP connection without a close frame (a network failure). */
  terminate(): void {
    this.socket.terminate();
    this.markClosed();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiting.values()) w.reject(new Error("The client closed the connection before answering"));
    this.waiting.clear();
    this.handlers.onClose(this);
  }

  private async onData(data: Uint8Array): Promise<void> {
    const { reply, hello, plain } = this.noise.receive(data);
    for (const r of reply) if (this.socket.readyState === WS_OPEN) this.socket.send(r);
    if (hello) {
      this.hello = hello;
      await this.handlers.onHello(this, hello);
    }
    for (const bytes of plain) {
      const node = await decodeBinaryNode(bytes);
      const id = node.attrs.id;
      if (node.tag === "iq" && (node.attrs.type === "result" || node.attrs.type === "error") && id && this.waiting.has(id)) {
        const w = this.waiting.get(id)!;
        this.waiting.delete(id);
        w.resolve(node);
        continue;
      }
      await this.handlers.onNode(this, node);
    }
  }
}
