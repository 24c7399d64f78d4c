/** unblock_contact: unblock a person on WhatsApp; always confirmed by the user. */
import { BLOCK_ANNOTATIONS, blockInput, blockOut, changeBlock } from "../block.ts";
import { defineTool } from "../tool.ts";

/** The tool. */
export const unblockContact = defineTool({
  name: "unblock_contact",
  title: "Unblock a contact",
  description: "Unblock a person on WhatsApp so they can message and call the user again. Always asks the user to confirm " +
    "(in the client, or on the local approval page).",
  access: "write",
  kind: "account_state",
  toolset: "admin",
  inputSchema: blockInput,
  outputSchema: blockOut,
  annotations: { ...BLOCK_ANNOTATIONS, destructiveHint: false, title: "Unblock a contact" },
  async run(a, ctx) {
    return await changeBlock(ctx, a.contact, false);
  },
});
