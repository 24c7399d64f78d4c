/** The URI of a message's media as an MCP resource (pure; the resource itself is media_resource.ts). */

/** The URI template. */
export const MEDIA_RESOURCE_TEMPLATE = "whatsapp://media/{chat_jid}/{message_id}";

/** The resource URI of a message's media: both parts percent-encoded (JIDs carry `@`). */
export function mediaResourceUri(chatJid: string, messageId: string): string {
  return `whatsapp://media/${encodeURIComponent(chatJid)}/${encodeURIComponent(messageId)}`;
}
