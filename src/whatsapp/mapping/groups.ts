/**
 * Groups (`groups.upsert`, `groups.update`, `group-participants.update`) to writes. Participants
 * are stored by canonical person id; the LID ↔ phone pairs they reveal are linked.
 */
import type { BaileysEventMap, GroupMetadata, GroupParticipant } from "@whiskeysockets/baileys";
import type { WriteOp } from "../../store/types.ts";
import { lidPnPair, type MapContext, personIdentity } from "../../ids/canonical.ts";
import { chatKindOf, jidOf } from "../../ids/jid.ts";
import { MappingError } from "./messages.ts";

type Admin = "admin" | "superadmin" | null;

/** Full metadata: the chat, its people, and the participant list as a replacement. */
export function mapGroupMetadata(g: GroupMetadata, ctx: MapContext): WriteOp[] {
  const ops = mapGroupUpdate(g, ctx);
  if (Array.isArray(g.participants)) {
    const { ops: people, list } = participants(g.participants, ctx);
    ops.push(...people, { op: "setParticipants", groupJid: jidOf(g.id)!, mode: "replace", participants: list });
  }
  return ops;
}

/** Partial metadata (subject, description...); a participant list, if present, replaces the old one. */
export function mapGroupUpdate(g: Partial<GroupMetadata>, _ctx: MapContext): WriteOp[] {
  const jid = jidOf(g.id);
  if (!jid || chatKindOf(jid) !== "group") throw new MappingError("group update without a group id");
  const chat: { jid: string; kind: "group"; name?: string; description?: string } = { jid, kind: "group" };
  if (g.subject) chat.name = g.subject;
  if (g.desc) chat.description = g.desc;
  return [{ op: "upsertChat", chat }];
}

/** A participants change; `modify` (a number change) only links what it reveals. */
export function mapParticipantsUpdate(e: BaileysEventMap["group-participants.update"], ctx: MapContext): WriteOp[] {
  const jid = jidOf(e.id);
  if (!jid || chatKindOf(jid) !== "group") throw new MappingError("participants update without a group id");
  const { ops, list } = participants(e.participants ?? [], ctx);
  if (e.action === "modify") return ops;
  const out: WriteOp[] = [{ op: "upsertChat", chat: { jid, kind: "group" } }, ...ops];
  out.push({
    op: "setParticipants",
    groupJid: jid,
    mode: e.action,
    // add/remove say nothing of rank: leave it to promote/demote (null never overwrites)
    participants: e.action === "promote" || e.action === "demote"
      ? list.map((p) => ({ personId: p.personId, admin: e.action === "promote" ? (p.admin ?? "admin") : null }))
      : list,
  });
  return out;
}

function participants(
  items: Array<GroupParticipant | string>,
  ctx: MapContext,
): { ops: WriteOp[]; list: Array<{ personId: string; admin: Admin }> } {
  const ops: WriteOp[] = [];
  const list: Array<{ personId: string; admin: Admin }> = [];
  for (const item of items) {
    // Older events carry bare JIDs; rc14 carries Contact-like objects.
    const p: Partial<GroupParticipant> = typeof item === "string" ? { id: item } : item;
    const alt = p.phoneNumber ?? p.lid;
    const pair = lidPnPair(p.id, alt);
    if (pair) ops.push({ op: "linkLid", lid: pair.lid, pnJid: pair.pnJid });
    const who = personIdentity(p.id, alt, ctx);
    if (!who) continue;
    ops.push({ op: "upsertPerson", person: { ...who } });
    list.push({ personId: who.id, admin: adminOf(p) });
  }
  return { ops, list };
}

function adminOf(p: Partial<GroupParticipant>): Admin {
  if (p.admin === "superadmin" || p.isSuperAdmin) return "superadmin";
  if (p.admin === "admin" || p.isAdmin) return "admin";
  return null;
}
