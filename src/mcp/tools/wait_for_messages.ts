/** wait_for_messages: returns as soon as a matching message arrives (or empty at the timeout), with a cursor. */
import { z } from "zod";
import { waitForMessages } from "../../live/wait.ts";
import { DATE_FORMAT_HINT, isIsoInstant, parseIsoInstant } from "../dates.ts";
import { chatJidField, limitField } from "../inputs.ts";
import { readResult } from "../read_result.ts";
import { messageLines } from "../render.ts";
import { resolveChatJid } from "../resolve.ts";
import { errorResult, ToolInputError } from "../results.ts";
import { MESSAGE_TYPES, messageOut, noticeField } from "../schemas.ts";
import { defineTool, READ_ANNOTATIONS } from "../tool.ts";
import type { ResolvedDeps } from "../tool.ts";
import { messageToOut } from "../views.ts";
import type { MessageView } from "../../store/types.ts";

/** Most waits one session may have open at once, and all sessions together. */
export const MAX_WAITS_PER_SESSION = 2;
export const MAX_WAITS_TOTAL = 16;
/** Longest wait. */
export const MAX_TIMEOUT_S = 60;
/** How often a long wait tells a client that asked for progress that it is still waiting. */
const PROGRESS_EVERY_MS = 10_000;

const CURSOR_PREFIX = "feed:";

const open = new WeakMap<object, number>();
const total = new WeakMap<ResolvedDeps["repository"], number>();
const bump = <K extends object>(m: WeakMap<K, number>, k: K, d: number) => m.set(k, (m.get(k) ?? 0) + d);

/** The tool. */
export const waitForMessagesTool = defineTool({
  name: "wait_for_messages",
  title: "Wait for new messages",
  description: "Wait until a new WhatsApp message arrives (in one chat or any), then return it; returns an empty " +
    "list when timeout_s passes first. Pass the returned cursor as `since` in the next call to get every later " +
    "message exactly once, including ones that arrived while the server was off. Incoming messages only unless " +
    "include_own is true.",
  access: "read",
  inputSchema: {
    chat_jid: chatJidField("Only messages of this chat").optional(),
    since: z.string().max(100).optional().describe(
      `The cursor from a previous wait_for_messages result, or an instant (${DATE_FORMAT_HINT}) to also return ` +
        "messages already stored from then on; default: only messages that arrive from now on",
    ),
    timeout_s: z.number({ error: `expected seconds from 1 to ${MAX_TIMEOUT_S}` }).int().min(1, { error: "expected at least 1 second" })
      .max(MAX_TIMEOUT_S, { error: `at most ${MAX_TIMEOUT_S} seconds` }).default(25)
      .describe(`How long to wait at most, 1-${MAX_TIMEOUT_S} s (default 25)`),
    types: z.array(z.enum(MESSAGE_TYPES)).min(1).max(MESSAGE_TYPES.length).optional().describe("Only these message types"),
    include_own: z.boolean().default(false).describe("Also messages the owner sent (from any device)"),
    limit: limitField(20, 100),
  },
  outputSchema: {
    messages: z.array(messageOut),
    cursor: z.string().describe("Pass as `since` in the next call"),
    timed_out: z.boolean(),
    notice: noticeField,
  },
  annotations: { ...READ_ANNOTATIONS, title: "Wait for new messages" },
  async run(a, ctx) {
    const repo = ctx.deps.repository;
    const session = ctx.server;
    if ((open.get(session) ?? 0) >= MAX_WAITS_PER_SESSION || (total.get(repo) ?? 0) >= MAX_WAITS_TOTAL) {
      return errorResult(
        `Too many wait_for_messages calls are already waiting (at most ${MAX_WAITS_PER_SESSION} per session, ` +
          `${MAX_WAITS_TOTAL} in all). Wait for one to return, or cancel it, before starting another.`,
      );
    }
    const chatJid = a.chat_jid ? await resolveChatJid(repo, a.chat_jid) : undefined;
    const accept = (m: MessageView) => (a.include_own || !m.fromMe) && (!a.types || a.types.includes(m.type));
    let after: number;
    let already: MessageView[] = [];
    if (a.since?.startsWith(CURSOR_PREFIX) && /^\d+$/.test(a.since.slice(CURSOR_PREFIX.length))) {
      after = Number(a.since.slice(CURSOR_PREFIX.length));
    } else if (a.since && isIsoInstant(a.since)) {
      // Stored messages from that instant on, then the feed from its current head.
      after = await repo.liveHead();
      const page = await repo.listMessages({ chatJid, after: parseIsoInstant(a.since, "since"), order: "oldest", limit: 100 });
      already = page.items.filter(accept).slice(0, a.limit);
    } else if (a.since) {
      throw new ToolInputError(`since: expected a cursor from wait_for_messages (${CURSOR_PREFIX}…) or ${DATE_FORMAT_HINT}`);
    } else {
      after = await repo.liveHead();
    }

    let result = { messages: already, cursor: after, timedOut: false, cancelled: false };
    if (already.length === 0) {
      bump(open, session, 1);
      bump(total, repo, 1);
      const progressToken = ctx.extra._meta?.progressToken;
      let beats = 0;
      const progress = progressToken === undefined ? null : setInterval(() => {
        void ctx.extra.sendNotification({
          method: "notifications/progress",
          params: { progressToken, progress: ++beats, message: "still waiting for a message" },
        }).catch(() => {});
      }, PROGRESS_EVERY_MS);
      try {
        result = await waitForMessages(repo, ctx.deps.live, {
          after,
          chatJid,
          accept,
          limit: a.limit,
          timeoutMs: a.timeout_s * 1000,
          signal: ctx.extra.signal,
        });
      } finally {
        if (progress) clearInterval(progress);
        bump(open, session, -1);
        bump(total, repo, -1);
      }
    }
    const messages = result.messages.map(messageToOut);
    const cursor = `${CURSOR_PREFIX}${result.cursor}`;
    const n = messages.length;
    const headline = n > 0
      ? `${n} new message${n === 1 ? "" : "s"} (oldest first). Next: call again with since=${JSON.stringify(cursor)}.`
      : `${result.cancelled ? "Cancelled" : `No new message within ${a.timeout_s} s`}. Next: call again with since=${JSON.stringify(cursor)}.`;
    return readResult(ctx, { messages, cursor, timed_out: result.timedOut }, headline, messages.flatMap((m) => messageLines(m)));
  },
});
