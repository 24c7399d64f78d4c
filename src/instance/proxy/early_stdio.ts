/**
 * The stdio session from the first byte, before the MCP SDK has loaded (loading it costs Node
 * ~150 ms: zod, ajv): a Transport over stdin/stdout that answers `initialize`, `ping`,
 * `tools/list` and the resource lists at once from static data (the tool table), and keeps
 * every other message until the SDK's server (the proxy front) connects to it. Then the kept
 * messages are handed over in order, `initialize` first (under an id of its own, whose answer
 * is dropped: the client already has it), so the server learns the client's capabilities and
 * answers the rest itself. From then on it is a plain stdio transport.
 *
 * Anything unusual (a second initialize, a list with a cursor, malformed params) is not answered
 * early: it waits for the server, which answers as it always did.
 */
import type { JSONRPCMessage, ServerCapabilities, Transport } from "../../mcp/sdk.ts";
import type { StaticLists } from "../../mcp/tool_table_type.ts";
import type { StdioPort } from "../../runtime/stdio.ts";

/** What the early answers say; the same values the front's server is built with. */
export interface EarlyStdioOptions {
  port: StdioPort;
  serverInfo: { name: string; version: string };
  instructions: string;
  capabilities: ServerCapabilities;
  latestProtocolVersion: string;
  supportedProtocolVersions: readonly string[];
  /** The static lists; without them the lists wait for the server. */
  staticLists?: StaticLists;
  readOnly: boolean;
  isWriteTool(name: string): boolean;
}

/** The transport, plus a promise that says the client has its tool list (or will not ask soon). */
export interface EarlyStdio extends Transport {
  /** Resolves once tools/list was answered early, a request only the server can answer came, or `graceMs` after the call. */
  listed(graceMs: number): Promise<void>;
}

/** Same limit as the SDK's ReadBuffer. */
const MAX_BUFFER = 10 * 1024 * 1024;
/** The id the handed-over initialize carries; its answer is dropped. */
const REPLAY_ID = "early-stdio-initialize";

type Json = Record<string, unknown>;

const isObject = (x: unknown): x is Json => typeof x === "object" && x !== null && !Array.isArray(x);

/** Starts reading stdin at once (see the module doc). */
export function createEarlyStdio(opts: EarlyStdioOptions): EarlyStdio {
  const decoder = new TextDecoder();
  let text = "";
  let started = false;
  let closed = false;
  let initialize: Json | null = null;
  const kept: JSONRPCMessage[] = [];
  let markListed: () => void = () => {};
  const listedPromise = new Promise<void>((resolve) => (markListed = resolve));

  const reply = (id: unknown, result: unknown) => void opts.port.write(JSON.stringify({ jsonrpc: "2.0", id, result }) + "\n");

  const lists = opts.staticLists;
  const listResult = (method: string): unknown => {
    if (!lists) return null;
    if (method === "tools/list") {
      return { tools: opts.readOnly ? lists.tools.filter((t) => !opts.isWriteTool(t.name)) : lists.tools };
    }
    if (method === "resources/list") return { resources: lists.resources };
    if (method === "resources/templates/list") return { resourceTemplates: lists.resourceTemplates };
    return null;
  };

  /** Answers `msg` from static data if it can; false when the server must. */
  const answerEarly = (msg: Json): boolean => {
    const { id, method, params } = msg;
    if (msg.jsonrpc !== "2.0" || typeof method !== "string" || (typeof id !== "string" && typeof id !== "number")) return false;
    if (params !== undefined && !isObject(params)) return false;
    if (method === "initialize") {
      const p = params ?? {};
      const client = p.clientInfo;
      if (initialize !== null || typeof p.protocolVersion !== "string" || !isObject(p.capabilities) || !isObject(client)) return false;
      if (typeof client.name !== "string" || typeof client.version !== "string") return false;
      initialize = { ...msg, id: REPLAY_ID };
      const requested = p.protocolVersion;
      reply(id, {
        protocolVersion: opts.supportedProtocolVersions.includes(requested) ? requested : opts.latestProtocolVersion,
        capabilities: opts.capabilities,
        serverInfo: opts.serverInfo,
        ...(opts.instructions ? { instructions: opts.instructions } : {}),
      });
      return true;
    }
    if (method === "ping") {
      reply(id, {});
      return true;
    }
    // The static lists hold everything on one page: a request with a cursor goes to the server.
    if (params?.cursor !== undefined) return false;
    const result = listResult(method);
    if (result === null) return false;
    reply(id, result);
    if (method === "tools/list") markListed();
    return true;
  };

  const error = (err: Error) => transport.onerror?.(err);

  const onLine = (line: string) => {
    if (line.trim() === "") return;
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch (err) {
      error(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (started) transport.onmessage?.(msg as JSONRPCMessage);
    else if (!isObject(msg) || !answerEarly(msg)) {
      kept.push(msg as JSONRPCMessage);
      // A request only the server can answer (a tool call...): no reason to wait for tools/list.
      if (isObject(msg) && typeof msg.method === "string" && msg.id !== undefined) markListed();
    }
  };

  const stop = opts.port.listen((chunk) => {
    if (closed) return;
    text += decoder.decode(chunk, { stream: true });
    if (text.length > MAX_BUFFER) {
      text = "";
      error(new Error(`ReadBuffer exceeded maximum size of ${MAX_BUFFER} bytes`));
      return;
    }
    let nl: number;
    while ((nl = text.indexOf("\n")) >= 0) {
      const line = text.slice(0, nl).replace(/\r$/, "");
      text = text.slice(nl + 1);
      onLine(line);
    }
  }, error);

  const transport: EarlyStdio = {
    start() {
      if (started) throw new Error("the early stdio transport is already started");
      started = true;
      const queue = initialize ? [initialize as JSONRPCMessage, ...kept] : [...kept];
      kept.length = 0;
      for (const m of queue) transport.onmessage?.(m);
      return Promise.resolve();
    },
    send(message) {
      if (closed) return Promise.reject(new Error("Not connected"));
      const m = message as Json;
      // The server's answer to the handed-over initialize: the client already has one.
      if (m.id === REPLAY_ID && !("method" in m)) return Promise.resolve();
      return opts.port.write(JSON.stringify(message) + "\n");
    },
    close() {
      if (!closed) {
        closed = true;
        stop();
        transport.onclose?.();
      }
      return Promise.resolve();
    },
    listed(graceMs) {
      const timer = setTimeout(markListed, graceMs);
      return listedPromise.finally(() => clearTimeout(timer));
    },
  };
  return transport;
}
