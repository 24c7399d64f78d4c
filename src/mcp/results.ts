/**
 * Tool results: structured content plus a readable text block, or an `isError` result whose
 * text says what is wrong and what is expected.
 */
import { isUserError, UserError } from "../user_error.ts";
import type { CallToolResult } from "./sdk.ts";

/** Bad tool input the schema could not catch (unknown chat, ambiguous id, ...). */
export class ToolInputError extends UserError {
  override name = "ToolInputError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("invalid_input", message, options);
  }
}

/** A successful result: `structured` must match the tool's output schema. */
export function okResult(structured: Record<string, unknown>, text: string): CallToolResult {
  return { content: [{ type: "text", text }], structuredContent: structured };
}

/** An error result the model can read and act on. */
export function errorResult(text: string): CallToolResult {
  return { content: [{ type: "text", text }], isError: true };
}

/**
 * Maps an exception from a handler to an error result. A `UserError` (bad input, media refused...)
 * carries a message written for the caller; anything else is reported as a failure of the named step.
 */
export function errorToResult(err: unknown, step: string): CallToolResult {
  if (isUserError(err)) return errorResult(err.message);
  const msg = err instanceof Error ? err.message : String(err);
  return errorResult(`${step} failed: ${msg}`);
}
