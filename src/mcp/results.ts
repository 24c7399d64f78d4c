/**
 * Tool results: structured content plus a readable text block, or an `isError` result whose
 * text says what is wrong and what is expected.
 */
import type { CallToolResult } from "./sdk.ts";

/** Bad tool input the schema could not catch (unknown chat, ambiguous id, ...). */
export class ToolInputError extends Error {
  override name = "ToolInputError";
}

/** A successful result: `structured` must match the tool's output schema. */
export function okResult(structured: Record<string, unknown>, text: string): CallToolResult {
  return { content: [{ type: "text", text }], structuredContent: structured };
}

/** An error result the model can read and act on. */
export function errorResult(text: string): CallToolResult {
  return { content: [{ type: "text", text }], isError: true };
}

// MediaReplyError: a MediaError as the media actor's reply delivers it (send_file outside the
// media folders, too large, not found...): its message is written for the caller like the others.
const INPUT_ERRORS = new Set(["ToolInputError", "RecipientError", "DateInputError", "MediaError", "MediaReplyError"]);

/**
 * Maps an exception from a handler to an error result. Input and media errors carry messages
 * written for the caller; anything else is reported as a failure of the named step.
 */
export function errorToResult(err: unknown, step: string): CallToolResult {
  if (err instanceof Error && INPUT_ERRORS.has(err.name)) return errorResult(err.message);
  const msg = err instanceof Error ? err.message : String(err);
  return errorResult(`${step} failed: ${msg}`);
}
