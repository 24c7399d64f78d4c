/**
 * The stdio front's per-request path, for the idle warm-up (src/mcp/warm_up.ts): a twin of the
 * session's front, built by the same factories (`createProxyFront` on `createEarlyStdio`), whose
 * backend answers each call with the answer the warm-up already has and whose stdout is a
 * function. A rehearsed call meets what a real request meets here: the transport's line parse,
 * the SDK's JSON-RPC dispatch and tools/call parse, the front's handler and its forwarding, the
 * answer's serialisation; not a copy of those steps, which would drift from them.
 *
 * The twin is not the session's front: its requests are not the session's activity (the warm-up
 * would wait for itself), and its output never reaches the client.
 */
import type { CallToolResult } from "../../mcp/sdk.ts";
import { LATEST_PROTOCOL_VERSION, MCP_SERVER_CAPABILITIES, SUPPORTED_PROTOCOL_VERSIONS } from "../../mcp/capabilities.ts";
import { unrefTimer } from "../../runtime/process.ts";
import type { StdioPort } from "../../runtime/stdio.ts";
import { createEarlyStdio } from "./early_stdio.ts";
import { createProxyFront } from "./front.ts";

/** A tools/call to rehearse: the tool's name and arguments. */
export interface RehearsedCall {
  name: string;
  arguments: Record<string, unknown>;
}

/** The front's twin (see the module doc). */
export interface FrontRehearsal {
  /**
   * Takes `call` through the front as a client's request, answered with `result`; resolves with
   * the line the front wrote ("" if none came within a second). One call at a time.
   */
  call(call: RehearsedCall, result: CallToolResult): Promise<string>;
  close(): Promise<void>;
}

const INFO = { name: "whatsapp-mcp-warm-up", version: "0" };
/** A line not written by then never will be (the path is a few promise turns): the call gives up with "". */
const GIVE_UP_MS = 1000;
const utf8 = new TextEncoder();

/** Builds the twin; `close` it once done. */
export async function createFrontRehearsal(): Promise<FrontRehearsal> {
  let feed: (chunk: Uint8Array) => void = () => {};
  /** The calls waiting for their line, in order (one call at a time: see `call`). */
  const waiting: Array<(line: string) => void> = [];
  const port: StdioPort = {
    listen(onData) {
      feed = onData;
      return () => (feed = () => {});
    },
    write(text) {
      waiting.shift()?.(text);
      return Promise.resolve();
    },
  };
  const transport = createEarlyStdio({
    port,
    serverInfo: INFO,
    instructions: "",
    capabilities: MCP_SERVER_CAPABILITIES,
    latestProtocolVersion: LATEST_PROTOCOL_VERSION,
    supportedProtocolVersions: SUPPORTED_PROTOCOL_VERSIONS,
    readOnly: false,
    isWriteTool: () => false,
  });
  const front = createProxyFront({ serverInfo: INFO, instructions: "", readOnly: false, isWriteTool: () => false });
  const answers = new Map<string | number, CallToolResult>();
  front.attach(front.newBackendClient(), (_req, extra) => {
    const answer = answers.get(extra.requestId) ?? { content: [] };
    answers.delete(extra.requestId);
    return Promise.resolve(answer);
  });
  await front.connect(transport);
  let id = 0;
  return {
    call(call, result) {
      const requestId = --id;
      answers.set(requestId, result);
      const line = new Promise<string>((resolve) => {
        const timer = setTimeout(() => {
          answers.delete(requestId);
          const at = waiting.indexOf(done);
          if (at >= 0) waiting.splice(at, 1);
          resolve("");
        }, GIVE_UP_MS);
        unrefTimer(timer);
        const done = (text: string) => {
          clearTimeout(timer);
          resolve(text);
        };
        waiting.push(done);
      });
      const request = { jsonrpc: "2.0", id: requestId, method: "tools/call", params: { name: call.name, arguments: call.arguments } };
      feed(utf8.encode(`${JSON.stringify(request)}\n`));
      return line;
    },
    close: () => front.close(),
  };
}
