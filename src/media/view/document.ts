/** Document text for a model: page markers, and a cut at a character budget that says where it stopped (pure). */
import { MAX_DOC_CHARS } from "./types.ts";

/** Text of pages with `--- page N of T ---` markers, cut to `maxChars`. */
export function formatPages(pages: string[], totalPages: number, maxChars = MAX_DOC_CHARS): { text: string; shown: number; truncated: boolean } {
  let text = "";
  let shown = 0;
  for (const [i, p] of pages.entries()) {
    const block = `--- page ${i + 1} of ${totalPages} ---\n${p}\n`;
    if (text.length + block.length > maxChars) {
      // Always show something of the first page, even a huge one.
      if (shown === 0) {
        text = block.slice(0, maxChars);
        shown = 1;
      }
      return { text: `${text}\n[cut at ${maxChars} characters: pages ${shown + 1}-${totalPages} not shown]`, shown, truncated: true };
    }
    text += block;
    shown++;
  }
  const truncated = shown < totalPages;
  if (truncated) text += `\n[pages ${shown + 1}-${totalPages} not read: ask for more pages]`;
  return { text, shown, truncated };
}

/** Plain text cut to `maxChars`. */
export function cutText(text: string, maxChars = MAX_DOC_CHARS): { text: string; truncated: boolean } {
  if (text.length <= maxChars) return { text, truncated: false };
  return { text: `${text.slice(0, maxChars)}\n[cut at ${maxChars} of ${text.length} characters]`, truncated: true };
}

/** Decodes text bytes (UTF-8, or UTF-16 with a byte-order mark). */
export function decodeText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be").decode(bytes.subarray(2));
  return new TextDecoder("utf-8").decode(bytes).replace(/^\uFEFF/, "");
}
