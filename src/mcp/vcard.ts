/** A minimal vCard 3.0 for sharing one contact (name and WhatsApp number). Pure. */

/** Escapes a vCard text value and flattens it to one line. */
export function vcardText(s: string): string {
  return s.replace(/[\r\n\u2028\u2029]+/g, " ").replace(/[\\;,]/g, (c) => `\\${c}`).trim();
}

/** The vCard WhatsApp shows as a contact card with "Message" and "Add" buttons (`waid` links the number). */
export function contactVcard(name: string, phoneDigits: string): string {
  return [
    "BEGIN:VCARD",
    "VERSION:3.0",
    `FN:${vcardText(name)}`,
    `TEL;type=CELL;type=VOICE;waid=${phoneDigits}:+${phoneDigits}`,
    "END:VCARD",
  ].join("\n");
}
