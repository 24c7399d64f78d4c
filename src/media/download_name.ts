/**
 * Local file names for downloaded media (pure). The sender's file name is untrusted text: it may
 * hold separators, `..`, control or bidi-override characters, Windows device names, or be huge.
 * It only ever contributes a cleaned, shortened stem; uniqueness comes from a hash of
 * (chat, message id), and the extension from the MIME type.
 */
import { bareMimetype, extensionForMimetype } from "./mime.ts";

const MAX_STEM_BYTES = 80;

// FNV-1a 64-bit: stable across runtimes and versions, unlike anything seeded.
function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i;

/**
 * Cleans an untrusted name into a harmless stem (no extension, no separators), or "" if nothing
 * usable is left.
 */
export function cleanStem(name: string): string {
  let s = name.normalize("NFC");
  // Keep only the last path segment, whatever the separator.
  s = s.split(/[\\/]/).pop() ?? "";
  // Drop the sender's extension: ours comes from the MIME type.
  s = s.replace(/\.[A-Za-z0-9]{1,10}$/, "");
  s = s
    // control characters (C0, DEL, C1), bidi controls (RTL-override tricks), zero-width characters
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, "")
    // characters Windows forbids in names, and the shell-ish ones that only cause trouble
    .replace(/[<>:"|?*]/g, "_")
    .replace(/\s+/g, " ")
    .replace(/\.{2,}/g, ".")
    // no leading/trailing dots or spaces (hidden files; Windows strips them)
    .replace(/^[. ]+|[. ]+$/g, "");
  if (WINDOWS_RESERVED.test(s) || WINDOWS_RESERVED.test(s.split(".")[0] ?? "")) s = `_${s}`;
  return truncateUtf8(s, MAX_STEM_BYTES).replace(/[. ]+$/g, "");
}

// Cuts to at most `maxBytes` of UTF-8 without splitting a character.
function truncateUtf8(s: string, maxBytes: number): string {
  const enc = new TextEncoder();
  if (enc.encode(s).length <= maxBytes) return s;
  let out = "";
  let bytes = 0;
  for (const ch of s) {
    const n = enc.encode(ch).length;
    if (bytes + n > maxBytes) break;
    out += ch;
    bytes += n;
  }
  return out;
}

function kindWord(mimetype: string): string {
  const top = bareMimetype(mimetype).split("/")[0];
  if (top === "image" || top === "video" || top === "audio") return top;
  return "document";
}

/**
 * A file name for a downloaded attachment: `<clean sender stem or kind>_<16 hex>.<ext>`.
 * The same (chat, message) always gives the same name and different messages different names;
 * the chat JID itself never appears in it (it may be a phone number).
 */
export function safeDownloadName(chatJid: string, messageId: string, mimetype: string, senderFileName?: string): string {
  const stem = (senderFileName ? cleanStem(senderFileName) : "") || kindWord(mimetype);
  return `${stem}_${fnv1a64(`${chatJid}\u0000${messageId}`)}.${extensionForMimetype(mimetype)}`;
}
