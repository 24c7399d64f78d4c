/**
 * The shape of one tool file: name, description, input and output schemas, annotations and the
 * handler, as the SDK's `registerTool` takes them, plus whether read-only mode hides the tool.
 */
import type { z } from "zod";
import type { Logger } from "../log.ts";
import type { ToolDeps } from "./deps.ts";
import type { WriteKind } from "./policy/write_kind.ts";
import type { Toolset } from "./toolsets.ts";
import type { FlowMemory } from "./policy/data_flow.ts";
import type {
  CallToolResult,
  RequestHandlerExtra,
  Server,
  ServerNotification,
  ServerRequest,
  ToolAnnotations,
} from "./sdk.ts";

/**
 * `ToolDeps` with the optional loggers filled in, and what this session has shown the model
 * (one per MCP session: the data-flow guard's memory).
 */
export type ResolvedDeps = ToolDeps & { audit: Logger; log: Logger; flow: FlowMemory };

/** What a handler gets besides its arguments. */
export interface ToolContext {
  deps: ResolvedDeps;
  /** The low-level server of this session: client capabilities and elicitation. */
  server: Server;
  /** The request: cancellation signal, request id (elicitation rides on it over HTTP), auth info. */
  extra: RequestHandlerExtra<ServerRequest, ServerNotification>;
}

/** One tool. `access: "write"` tools are not offered in read-only mode and refuse to run there. */
export interface ToolDef<I extends z.ZodRawShape, O extends z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  access: "read" | "write";
  /** The write's kind for the send guard (write tools; default "message"). */
  kind?: WriteKind;
  /** The toolset that offers it (default: "read" or "send" by access). */
  toolset?: Toolset;
  inputSchema: I;
  outputSchema: O;
  annotations: ToolAnnotations;
  run(args: z.output<z.ZodObject<I>>, ctx: ToolContext): Promise<CallToolResult>;
}

/** A tool with its argument types erased, so all tools fit in one list. */
export interface AnyTool {
  name: string;
  title: string;
  description: string;
  access: "read" | "write";
  kind?: WriteKind;
  toolset?: Toolset;
  inputSchema: z.ZodRawShape;
  outputSchema: z.ZodRawShape;
  annotations: ToolAnnotations;
  run(args: Record<string, unknown>, ctx: ToolContext): Promise<CallToolResult>;
}

/** Declares a tool with typed arguments; the SDK has validated them against `inputSchema` before `run`. */
export function defineTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(def: ToolDef<I, O>): AnyTool {
  return def as unknown as AnyTool;
}

/** Annotations of tools that only read the local mirror. */
export const READ_ANNOTATIONS: ToolAnnotations = { readOnlyHint: true, openWorldHint: false };

/** Annotations of tools that send something to other people. */
export const SEND_ANNOTATIONS: ToolAnnotations = { readOnlyHint: false, destructiveHint: true, openWorldHint: true };
