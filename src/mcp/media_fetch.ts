/**
 * The bytes of a stored message's media for view_media and media resources: downloaded through
 * the connection's one download path (decrypt, expired links re-requested from the phone),
 * then checked against the SHA-256 the sender put in the message, so what is shown (and cached
 * under that hash) is exactly what was sent.
 */
import type { MessageView } from "../store/types.ts";
import { sha256Hex } from "./held/action.ts";
import { linkProblem, readLinkStatus } from "./link.ts";
import { ToolInputError } from "./results.ts";
import type { ResolvedDeps } from "./tool.ts";

/** Verified media bytes. */
export interface FetchedMedia {
  bytes: Uint8Array;
  mimetype: string | null;
  /** Lower-case hex SHA-256 of `bytes`. */
  sha256: string;
}

/** Hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** The stored message with media, or a `ToolInputError` that names what is missing. */
export async function messageWithMedia(deps: Pick<ResolvedDeps, "repository">, chatJid: string, messageId: string): Promise<MessageView & { media: NonNullable<MessageView["media"]> }> {
  const m = await deps.repository.getMessage(chatJid, messageId);
  if (!m) throw new ToolInputError(`No message with id ${JSON.stringify(messageId)} in chat ${chatJid}.`);
  if (!m.media) throw new ToolInputError(`Message ${JSON.stringify(messageId)} has no media (it is a ${m.type} message).`);
  return m as MessageView & { media: NonNullable<MessageView["media"]> };
}

/** The content hash the message announces (hex), or null when it carries none. */
export function announcedSha256(m: MessageView): string | null {
  const h = m.media?.fileSha256;
  return h && h.length === 32 ? toHex(h) : null;
}

/** The media bytes of a stored message, through the connection's one download path (not verified). */
export async function downloadBytes(deps: Pick<ResolvedDeps, "whatsapp">, chatJid: string, id: string): Promise<{ bytes: Uint8Array; mimetype: string | null }> {
  const got = await deps.whatsapp.ask({ type: "downloadMedia", chatJid, id });
  if (!got || !(got.bytes instanceof Uint8Array)) throw new Error("the WhatsApp connection gave no media bytes");
  return got;
}

/** Downloads and verifies. Throws `ToolInputError` when WhatsApp is not linked or the hash differs. */
export async function fetchMedia(deps: ResolvedDeps, m: MessageView): Promise<FetchedMedia> {
  const problem = linkProblem(await readLinkStatus(deps), deps.config.statusUrl);
  if (problem) throw new ToolInputError(problem);
  const got = await downloadBytes(deps, m.chatJid, m.id);
  const sha256 = await sha256Hex(got.bytes);
  const announced = announcedSha256(m);
  if (announced && announced !== sha256) {
    throw new ToolInputError("The downloaded media does not match the hash in the message (corrupted or tampered with); nothing is shown.");
  }
  return { bytes: got.bytes, mimetype: got.mimetype ?? m.media?.mimetype ?? null, sha256 };
}
