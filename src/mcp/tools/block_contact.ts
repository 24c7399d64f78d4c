/** block_contact: block a person on WhatsApp; always confirmed by the user. */
import { BLOCK_ANNOTATIONS, blockInput, blockOut, changeBlock } from "../block.ts";
import { defineTool } from "../tool.ts";

/** The tool. */
export const blockContact = defineTool({
  name: "block_contact",
  title: "Block a contact",
  description: "Block a person on WhatsApp: they can no longer message or call the user. Always asks the user to confirm " +
    "(in the client, or on the local approval page).",
  access: "write",
  kind: "account_state",
  toolset: "admin",
  inputSchema: blockInput,
  outputSchema: blockOut,
  annotations: { ...BLOCK_ANNOTATIONS, title: "Block a contact" },
  async run(a, ctx) {
    return await changeBlock(ctx, a.contact, true);
  },
});
