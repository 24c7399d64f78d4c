/**
 * check_bridge_status: the original asked whether its Go bridge was up; here the "bridge" is the
 * WhatsApp connection inside this process. Says whether sending and live features work now.
 */
import { z } from "zod";
import { okResult } from "../results.ts";
import { readSyncStatus } from "../sync_status.ts";
import { defineTool, READ_ANNOTATIONS } from "../tool.ts";

/** The tool. */
export const checkBridgeStatus = defineTool({
  name: "check_bridge_status",
  title: "Check the WhatsApp connection",
  description: "Check whether the WhatsApp connection is up (needed for sending, downloads and fetching history). " +
    "Reading messages works from the local copy either way.",
  access: "read",
  inputSchema: {},
  outputSchema: {
    connected: z.boolean(),
    state: z.string(),
    message: z.string(),
    link_url: z.string().nullable(),
  },
  annotations: { ...READ_ANNOTATIONS, title: "Check the WhatsApp connection" },
  async run(_a, ctx) {
    const s = await readSyncStatus(ctx.deps);
    const message = s.whatsapp.connected
      ? `WhatsApp is connected${s.whatsapp.account ? ` as ${s.whatsapp.account}` : ""}; sending works.`
      : `${s.whatsapp.problem ?? "WhatsApp is not connected."} Reading from the local copy still works.`;
    return okResult({ connected: s.whatsapp.connected, state: s.whatsapp.state, message, link_url: s.link_url }, message);
  },
});
