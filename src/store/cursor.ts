/**
 * Opaque page cursors: base64url of a small JSON object naming the sort key of the last item
 * returned. Callers pass them back unchanged; anything else is refused with InvalidCursorError.
 * Pure.
 */
import { base64ToBytes, bytesToBase64 } from "./codec.ts";

/** Where the next page starts. */
export type Cursor =
  /** After the message with this pk (the time order), newest first. */
  | { k: "m"; pk: number }
  /** After the message with this pk, oldest first. */
  | { k: "a"; pk: number }
  /** After this many items (relevance order, chat lists). */
  | { k: "o"; n: number };

/** A cursor that this store did not produce (or that belongs to another kind of list). */
export class InvalidCursorError extends Error {
  override name = "InvalidCursorError";
  constructor(why: string) {
    super(`Invalid cursor: ${why}. Pass back the nextCursor of the previous page unchanged, or omit it.`);
  }
}

/** Encodes a cursor. */
export function encodeCursor(c: Cursor): string {
  const json = JSON.stringify(c);
  return bytesToBase64(new TextEncoder().encode(json)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Decodes a cursor, checking it is of the `kind` this list uses. */
export function decodeCursor<K extends Cursor["k"]>(text: string, kind: K): Extract<Cursor, { k: K }> {
  let value: unknown;
  try {
    const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    value = JSON.parse(new TextDecoder().decode(base64ToBytes(b64)));
  } catch {
    throw new InvalidCursorError("not a cursor of this store");
  }
  const v = value as Record<string, unknown> | null;
  if (!v || typeof v !== "object" || v.k !== kind) throw new InvalidCursorError(`expected a cursor of kind ${kind}`);
  const ints = kind === "o" ? ["n"] : ["pk"];
  for (const f of ints) {
    if (!Number.isSafeInteger(v[f]) || (kind === "o" && (v[f] as number) < 0)) throw new InvalidCursorError(`bad ${f}`);
  }
  return v as Extract<Cursor, { k: K }>;
}

/**
 * The start of a page from `cursor` or `offset`: a keyset position for kinds "m" and "a", else
 * a plain offset (an "o" cursor wins over `offset`).
 */
export function pageStart(kind: Cursor["k"], cursor: string | undefined, offset: number | undefined):
  { after: { pk: number } | null; offset: number } {
  const off = Math.max(0, Math.trunc(offset ?? 0));
  if (!cursor) return { after: null, offset: off };
  if (kind !== "o") {
    const c = decodeCursor(cursor, kind);
    return { after: { pk: c.pk }, offset: 0 };
  }
  return { after: null, offset: decodeCursor(cursor, "o").n };
}
