/** send_location: a map pin (latitude, longitude, optional place name and address). */
import { z } from "zod";
import { resolveRecipient } from "../resolve.ts";
import { sendOut } from "../schemas.ts";
import { attemptSend, sendToolResult } from "../send_path.ts";
import { defineTool, SEND_ANNOTATIONS } from "../tool.ts";
import { recipientField } from "./send_message.ts";

/** The tool. */
export const sendLocation = defineTool({
  name: "send_location",
  title: "Send a location",
  description: "Send a location (a map pin) to a person or group, optionally with a place name and address. " +
    "Goes through the same send policy as a message.",
  access: "write",
  inputSchema: {
    recipient: recipientField,
    latitude: z.number({ error: "expected a latitude in degrees" }).min(-90, { error: "latitude is from -90 to 90" })
      .max(90, { error: "latitude is from -90 to 90" }).describe("Degrees, -90 to 90"),
    longitude: z.number({ error: "expected a longitude in degrees" }).min(-180, { error: "longitude is from -180 to 180" })
      .max(180, { error: "longitude is from -180 to 180" }).describe("Degrees, -180 to 180"),
    name: z.string().trim().min(1).max(200).optional().describe("The place's name, e.g. a restaurant"),
    address: z.string().trim().min(1).max(500).optional().describe("The place's address"),
  },
  outputSchema: sendOut,
  annotations: { ...SEND_ANNOTATIONS, title: "Send a location" },
  async run(a, ctx) {
    const recipient = await resolveRecipient(ctx.deps.repository, a.recipient);
    const place = [a.name, a.address].filter(Boolean).join(", ");
    const outcome = await attemptSend(ctx, {
      tool: "send_location",
      action: "Send this location",
      recipient,
      details: [`Location: ${a.latitude}, ${a.longitude}${place ? ` (${place})` : ""}`],
      op: {
        type: "request",
        request: {
          type: "sendContent",
          jid: recipient.jid,
          content: { kind: "location", latitude: a.latitude, longitude: a.longitude, name: a.name, address: a.address },
        },
      },
    });
    return sendToolResult(outcome, recipient, "Location sent");
  },
});
