/**
 * The text a human sees before a send is confirmed. It must show what will really be sent:
 * long whitespace runs (used to push an appended payload out of view) are collapsed into a
 * visible marker, and invisible characters (zero-width, bidi controls, Unicode tag characters
 * used for "ASCII smuggling") are made visible. Pure.
 */

/** One attachment as the dialog lists it. */
export interface AttachmentPreview {
  name: string;
  kind: string;
  bytes: number;
  /** Voice-note duration. */
  seconds?: number;
}

/** What the dialog describes. */
export interface ConfirmationContent {
  /** e.g. "Send a WhatsApp message", "React to a message". */
  action: string;
  recipient: {
    kind: "person" | "group";
    jid: string;
    name: string | null;
    /** Where the name comes from: the user's address book, the person's own profile, the group subject. */
    nameSource: "contact" | "profile" | "business" | "group" | null;
    phone: string | null;
  };
  /** Why the policy asks (first contact, confirm=always). */
  reason: string;
  /** Further lines about the action ("Members: ...", "New subject: ..."), each shown on one line. */
  details?: string[];
  text?: string | null;
  attachments?: AttachmentPreview[];
  mentions?: string[];
  quotedId?: string | null;
}

const TAG_START = 0xe0000;
const TAG_END = 0xe007f;

function hex(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** True for characters that render as nothing or reorder text. */
function isHidden(cp: number, ch: string): boolean {
  if (ch === "\n" || ch === "\t") return false;
  return /[\p{Cf}\p{Cc}\p{Co}\p{Cn}]/u.test(ch) || (cp >= 0xfe00 && cp <= 0xfe0e) || cp === 0x034f || cp === 0x115f ||
    cp === 0x1160 || cp === 0x3164 || cp === 0xffa0 || (cp >= 0xe0100 && cp <= 0xe01ef);
}

const PICTO = /\p{Extended_Pictographic}/u;

/**
 * Makes invisible characters visible as ⟨U+200B⟩. A run of Unicode tag characters is decoded,
 * since it usually hides ASCII text: ⟨hidden text: "..."⟩. A zero-width joiner between two emoji
 * (family and profession emoji) is left alone.
 */
export function revealHidden(text: string): string {
  const chars = Array.from(text);
  let out = "";
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    const cp = ch.codePointAt(0)!;
    if (cp >= TAG_START && cp <= TAG_END) {
      let decoded = "";
      let j = i;
      while (j < chars.length) {
        const c = chars[j].codePointAt(0)!;
        if (c < TAG_START || c > TAG_END) break;
        const ascii = c - TAG_START;
        decoded += ascii >= 0x20 && ascii < 0x7f ? String.fromCharCode(ascii) : `\\x${ascii.toString(16).padStart(2, "0")}`;
        j++;
      }
      out += `⟨hidden text: ${JSON.stringify(decoded)}⟩`;
      i = j - 1;
      continue;
    }
    if (cp === 0x200d && i > 0 && i + 1 < chars.length && PICTO.test(chars[i - 1]) && PICTO.test(chars[i + 1])) {
      out += ch;
      continue;
    }
    out += isHidden(cp, ch) ? `⟨${hex(cp)}⟩` : ch;
  }
  return out;
}

/**
 * Collapses whitespace runs: 4+ spaces on one line become "⟨N spaces⟩", 3+ line breaks become
 * "⟨N line breaks⟩" (with the spaces among them counted) on a line of its own; short runs stay
 * (tabs and exotic spaces become plain spaces).
 */
export function collapseWhitespace(text: string): string {
  return normalizeNewlines(text).replace(/\s+/gu, (run) => {
    const breaks = (run.match(/\n/g) ?? []).length;
    const spaces = run.length - breaks;
    if (breaks >= 3) return `\n⟨${breaks} line breaks${spaces >= 4 ? ` and ${spaces} spaces` : ""}⟩\n`;
    if (breaks > 0) return "\n".repeat(breaks);
    if (run.length >= 4) return ` ⟨${run.length} spaces⟩ `;
    return " ".repeat(run.length);
  });
}

/** CR LF, CR and the Unicode line/paragraph separators become LF. */
export function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?|[\u2028\u2029]/g, "\n");
}

/** The text as the dialog shows it: hidden characters revealed, whitespace collapsed. */
export function visibleText(text: string): string {
  return collapseWhitespace(revealHidden(normalizeNewlines(text)));
}

/** Bytes as a short size ("1.2 MB"). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

function recipientLine(r: ConfirmationContent["recipient"]): string {
  const source = {
    contact: "saved contact",
    profile: "their own profile name, not verified",
    business: "business name",
    group: "group",
    none: "",
  }[r.nameSource ?? "none"];
  const name = r.name ? `${visibleText(r.name).replace(/\n/g, " ")}${source ? ` (${source})` : ""}` : "(no name known)";
  if (r.kind === "group") return `To group: ${name}\nGroup ID: ${r.jid}`;
  return `To: ${name}\nNumber: ${r.phone ?? "(unknown)"}\nWhatsApp ID: ${r.jid}`;
}

/** The full confirmation message. The text is shown whole, never truncated. */
export function renderConfirmation(c: ConfirmationContent): string {
  const lines = [`${c.action}?`, recipientLine(c.recipient), `Why you are asked: ${c.reason}.`];
  for (const d of c.details ?? []) lines.push(visibleText(d).replace(/\n/g, " "));
  if (c.quotedId) lines.push(`In reply to message: ${c.quotedId}`);
  if (c.mentions && c.mentions.length > 0) lines.push(`Mentions: ${c.mentions.join(", ")}`);
  for (const a of c.attachments ?? []) {
    const dur = a.seconds !== undefined ? `, ${Math.round(a.seconds)} s` : "";
    lines.push(`Attachment: ${visibleText(a.name).replace(/\n/g, " ")} (${a.kind}, ${formatBytes(a.bytes)}${dur})`);
  }
  if (c.text !== undefined && c.text !== null) {
    const count = Array.from(c.text).length;
    const lineCount = c.text.split(/\r\n?|\n/).length;
    lines.push(`Text (${count} characters, ${lineCount} line${lineCount === 1 ? "" : "s"}), shown in full:`);
    lines.push("-----");
    lines.push(visibleText(c.text));
    lines.push("-----");
  }
  return lines.join("\n");
}
