/** get_sync_status: link state, history sync progress and local-copy counters. */
import { okResult } from "../results.ts";
import { readSyncStatus, statusSummary, syncStatusShape } from "../sync_status.ts";
import { defineTool, READ_ANNOTATIONS } from "../tool.ts";

/** The tool. */
export const getSyncStatus = defineTool({
  name: "get_sync_status",
  title: "Sync status",
  description: "Show whether WhatsApp is connected, how far the history sync is, and how many messages, chats " +
    "and people the local copy holds (with the oldest and newest message times).",
  access: "read",
  inputSchema: {},
  outputSchema: syncStatusShape,
  annotations: { ...READ_ANNOTATIONS, title: "Sync status" },
  async run(_a, ctx) {
    const s = await readSyncStatus(ctx.deps);
    return okResult(s, statusSummary(s));
  },
});
