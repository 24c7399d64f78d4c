/** The send allow-list (`WHATSAPP_ALLOWED_RECIPIENTS`) in normal JID form. Pure. */
import { parseJid } from "../../ids/parse.ts";

/** Normalises an allow-list: entries that parse become JIDs; the rest are reported, never matched. */
export function normalizeAllowList(entries: readonly string[]): { jids: Set<string>; invalid: string[] } {
  const jids = new Set<string>();
  const invalid: string[] = [];
  for (const e of entries) {
    try {
      jids.add(parseJid(e, "allowed recipient").jid);
    } catch {
      invalid.push(e);
    }
  }
  return { jids, invalid };
}
