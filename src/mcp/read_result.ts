/**
 * The result of a read tool: structured data, and a text block with a trusted headline, the data
 * lines inside untrusted-content markers, and a note when WhatsApp is disconnected.
 */
import { readLinkStatus, readNotice } from "./link.ts";
import { rememberLater, settleFlow } from "./policy/data_flow.ts";
import { afterTurn } from "../runtime/after_turn.ts";
import { okResult } from "./results.ts";
import type { CallToolResult } from "./sdk.ts";
import type { ToolContext } from "./tool.ts";
import { untrustedBlock } from "./untrusted.ts";

/** Builds the result; `lines` are untrusted data lines (may be empty). */
export async function readResult(
  ctx: ToolContext,
  structured: Record<string, unknown>,
  headline: string,
  lines: string[],
): Promise<CallToolResult> {
  // The data-flow guard remembers what this session was shown, and from which chat: once the
  // answer is out (the guard settles what is queued before it reads the memory).
  const flow = ctx.deps.flow;
  if (rememberLater(flow, structured)) afterTurn(() => settleFlow(flow));
  const notice = readNotice(await readLinkStatus(ctx.deps), ctx.deps.config.statusUrl);
  const text = untrustedBlock(headline, lines.join("\n"));
  return okResult(notice ? { ...structured, notice } : structured, notice ? `${text}\n${notice}` : text);
}
