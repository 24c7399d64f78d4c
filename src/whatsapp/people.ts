/**
 * People requests on the open socket: presence (send and look up), profiles (about, business
 * profile, a small picture) and the block list. The picture is fetched by us, only from
 * WhatsApp's picture hosts over HTTPS (or an operator-added simulator origin): the URL comes
 * from WhatsApp's answer, but a fetch is a fetch, and the same SSRF rule as media applies.
 */
import { jidNormalizedUser } from "@whiskeysockets/baileys";
import { WhatsAppRequestError } from "./errors.ts";
import { isLidJid, isPnJid, jidOf } from "../ids/jid.ts";
import type { PresenceReply, PresenceState, ProfileReply } from "./protocol.ts";
import { need, type RequestDeps } from "./requests.ts";

/** Largest profile picture we fetch (a preview is a few KB; a full one well under this). */
const MAX_PICTURE_BYTES = 2_000_000;

/** Whether `url` may be fetched as a profile picture: WhatsApp's picture hosts over HTTPS, or an extra origin. */
export function pictureUrlProblem(url: string, extraOrigins: readonly string[] = []): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "the picture location is not a valid URL";
  }
  if (u.username || u.password) return "the picture location carries a user name";
  if (extraOrigins.includes(u.origin)) return null;
  if (u.protocol !== "https:" || u.port !== "") return "the picture location is not plain HTTPS";
  if (u.hostname !== "pps.whatsapp.net" && !/^[a-z0-9-]+(\.[a-z0-9-]+)*\.(cdn|fna)\.whatsapp\.net$/.test(u.hostname)) {
    return "the picture location is not one of WhatsApp's hosts";
  }
  return null;
}

/** Sends a chat state to one chat, or the account's availability (jid null). */
export async function sendPresence(d: RequestDeps, m: { jid: string | null; state: PresenceState }): Promise<{ ok: true }> {
  const sock = need(d);
  if (m.state === "available" || m.state === "unavailable") {
    // Baileys silently drops an availability update until it knows the account's name.
    if (!sock.authState?.creds?.me?.name) {
      throw new WhatsAppRequestError(
        "this device does not know the account's name yet (WhatsApp tells it with the first message from the phone), so online/offline cannot be set now",
      );
    }
    await sock.sendPresenceUpdate(m.state);
  }
  else {
    if (!m.jid) throw new WhatsAppRequestError("A typing state needs a chat");
    await sock.sendPresenceUpdate(m.state, m.jid);
  }
  return { ok: true };
}

/** Subscribes to `jid`'s presence and waits briefly for WhatsApp's answer. */
export async function presenceGet(d: RequestDeps, m: { jid: string; waitMs: number }): Promise<PresenceReply> {
  const sock = need(d);
  const cache = d.presence;
  if (!cache) throw new WhatsAppRequestError("presence is not tracked on this connection");
  const jid = jidOf(m.jid) ?? m.jid;
  const names = await aliases(d, jid);
  const arrived = cache.waitFor(names, Math.max(0, m.waitMs));
  await sock.presenceSubscribe(jid);
  await arrived;
  const p = cache.get(names);
  return p ? { known: true, ...p } : { known: false, presence: null, lastSeen: null, at: null };
}

/** The phone JID and LID of a person (WhatsApp may answer under either). */
async function aliases(d: RequestDeps, jid: string): Promise<string[]> {
  const out = [jid];
  const lidMapping = d.sock?.signalRepository?.lidMapping;
  try {
    if (isPnJid(jid)) {
      const lid = await lidMapping?.getLIDForPN(jid);
      if (lid) out.push(jidNormalizedUser(lid));
    } else if (isLidJid(jid)) {
      const pn = await lidMapping?.getPNForLID(jid);
      if (pn) out.push(jidNormalizedUser(pn));
    }
  } catch {
    // Without the mapping only the given form is matched.
  }
  return out;
}

/** About text, business profile and preview picture; each part that WhatsApp refuses is null. */
export async function profile(d: RequestDeps, m: { jid: string }): Promise<ProfileReply> {
  const sock = need(d);
  const jid = jidOf(m.jid) ?? m.jid;
  const out: ProfileReply = { jid, about: null, aboutSetAt: null, business: null, picture: null, pictureProblem: null };
  if (!jid.endsWith("@g.us")) {
    try {
      const [hit] = (await sock.fetchStatus(jid)) ?? [];
      const st = (hit as { status?: { status?: string | null; setAt?: Date | null } } | undefined)?.status;
      out.about = st?.status || null; // "" when hidden (401) or empty
      out.aboutSetAt = st?.setAt ? new Date(st.setAt).getTime() || null : null;
    } catch {
      // Hidden by the person's privacy settings.
    }
    try {
      const b = await sock.getBusinessProfile(jid);
      if (b) {
        out.business = {
          description: b.description || null,
          category: b.category ?? null,
          email: b.email ?? null,
          website: b.website ?? [],
          address: b.address ?? null,
        };
      }
    } catch {
      // Not a business account.
    }
  }
  let url: string | undefined;
  try {
    url = await sock.profilePictureUrl(jid, "preview", 10_000);
  } catch {
    url = undefined; // no picture, or hidden
  }
  if (url) {
    const problem = pictureUrlProblem(url, d.mediaOrigins ?? []);
    if (problem) out.pictureProblem = problem;
    else {
      try {
        const res = await fetch(url, { ...d.fetchOptions, redirect: "error" });
        if (!res.ok) out.pictureProblem = `the picture host answered HTTP ${res.status}`;
        else {
          const bytes = new Uint8Array(await res.arrayBuffer());
          if (bytes.length > MAX_PICTURE_BYTES) out.pictureProblem = "the picture is larger than expected";
          else out.picture = { bytes, mimetype: res.headers.get("content-type")?.split(";")[0]?.trim() || "image/jpeg" };
        }
      } catch (err) {
        out.pictureProblem = `the picture could not be fetched (${(err as Error).name})`;
      }
    }
  }
  return out;
}

/** Blocks or unblocks a person. */
export async function block(d: RequestDeps, m: { jid: string; action: "block" | "unblock" }): Promise<{ ok: true }> {
  await need(d).updateBlockStatus(m.jid, m.action);
  return { ok: true };
}

/** The people the account has blocked (phone JIDs where WhatsApp names them, else LIDs). */
export async function blocklist(d: RequestDeps): Promise<{ jids: string[] }> {
  const list = await need(d).fetchBlocklist();
  return { jids: list.filter((j): j is string => typeof j === "string").map((j) => jidOf(j) ?? j) };
}
