/** The URIs of the live resources, and reading a chat JID out of one. Pure. */

/** The chat list. */
export const CHATS_URI = "whatsapp://chats";
/** The unread triage. */
export const UNREAD_URI = "whatsapp://unread";
/** Prefix of one chat's resource (`whatsapp://chat/{chat_jid}`). */
export const CHAT_URI_PREFIX = "whatsapp://chat/";

/** The chat JID of a `whatsapp://chat/{jid}` URI (percent-decoded), else null. */
export function chatJidOfUri(uri: string): string | null {
  if (!uri.startsWith(CHAT_URI_PREFIX)) return null;
  let jid: string;
  try {
    jid = decodeURIComponent(uri.slice(CHAT_URI_PREFIX.length));
  } catch {
    return null;
  }
  return /^[^\s/@]+@[a-z.]+$/.test(jid) ? jid : null;
}

/** `uri` when it names a live resource of this server, else null. */
export function canonicalUri(uri: string): string | null {
  if (uri === CHATS_URI || uri === UNREAD_URI) return uri;
  return chatJidOfUri(uri) ? uri : null;
}
