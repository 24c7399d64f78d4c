/**
 * Group administration iqs (`w:g2` sets and invite queries), as WhatsApp answers them: create,
 * subject, description, add/remove/promote/demote, invite code (get, revoke), invite info,
 * join by invite, leave. Changes are applied to the server's group state and announced to the
 * companions as `w:gp2` notifications (which Baileys turns into group events and stub messages).
 */
import { getBinaryNodeChild, getBinaryNodeChildren } from "@whiskeysockets/baileys";
import type { BinaryNode } from "@whiskeysockets/baileys";
import { randomBytes } from "node:crypto";
import type { GroupInfo } from "./core.ts";
import type { Account, Directory } from "./model.ts";
import { lidJid, pnJid } from "./model.ts";
import { iqError, iqResult } from "./stanzas.ts";

/** What the group iqs read and change (a part of the server's iq context). */
export interface GroupAdminContext {
  readonly dir: Directory;
  readonly account?: Account;
  readonly groups: Map<string, GroupInfo>;
  notifyGroup?(g: GroupInfo, actor: Account, change: BinaryNode): void;
}

/** The `<group>` node Baileys' `extractGroupMetadata` reads. */
export function groupNode(g: GroupInfo): BinaryNode {
  const id = (a: Account) => (g.addressing === "lid" ? lidJid(a) : pnJid(a));
  return {
    tag: "group",
    attrs: {
      id: g.jid.split("@")[0]!,
      subject: g.subject,
      s_t: String(g.creation),
      s_o: id(g.creator),
      creation: String(g.creation),
      creator: id(g.creator),
      size: String(g.participants.length),
      addressing_mode: g.addressing,
    },
    content: [
      ...g.participants.map((p): BinaryNode => ({
        tag: "participant",
        attrs: {
          ...(g.addressing === "lid" ? { jid: lidJid(p), phone_number: pnJid(p) } : { jid: pnJid(p), lid: lidJid(p) }),
          ...(p === g.creator ? { type: "superadmin" } : g.admins?.has(p) ? { type: "admin" } : {}),
        },
      })),
      ...(g.description !== undefined
        ? [{ tag: "description", attrs: { id: g.descId ?? "1" }, content: [{ tag: "body", attrs: {}, content: Buffer.from(g.description) }] }]
        : []),
    ],
  };
}

const PARTICIPANT_ACTIONS = ["add", "remove", "promote", "demote"] as const;

/** A fresh invite code (22 URL-safe characters, like WhatsApp's). */
export function newInviteCode(): string {
  return randomBytes(16).toString("base64url").slice(0, 22);
}

/** Whether `a` may administer `g`. */
export function isGroupAdmin(g: GroupInfo, a: Account | undefined): boolean {
  return !!a && g.participants.includes(a) && (g.creator === a || !!g.admins?.has(a));
}

/** The `<participant>` node of `a` in a notification about `g`. */
export function participantNode(g: GroupInfo, a: Account): BinaryNode {
  return { tag: "participant", attrs: g.addressing === "lid" ? { jid: lidJid(a), phone_number: pnJid(a) } : { jid: pnJid(a), lid: lidJid(a) } };
}

/** Answers a group administration iq, or returns null for the queries `iq-handlers.ts` answers. */
export function groupAdminIq(ctx: GroupAdminContext, iq: BinaryNode, first: BinaryNode | undefined): BinaryNode | null {
  if (!first) return null;
  const me = ctx.account;
  const notify = (g: GroupInfo, change: BinaryNode) => me && ctx.notifyGroup?.(g, me, change);
  if (iq.attrs.to === "@g.us") {
    if (first.tag === "create" && iq.attrs.type === "set") {
      if (!me) return iqError(iq, 401, "not-authorized");
      const members = getBinaryNodeChildren(first, "participant").map((p) => ctx.dir.resolve(p.attrs.jid ?? "")?.account)
        .filter((a): a is Account => !!a && a !== me);
      const jid = `120363${String(Date.now()).slice(-8)}${randomBytes(2).toString("hex").replace(/\D/g, "0").padEnd(4, "0")}@g.us`;
      const g: GroupInfo = {
        jid,
        subject: first.attrs.subject ?? "",
        creation: Math.floor(Date.now() / 1000),
        creator: me,
        participants: [me, ...new Set(members)],
        addressing: "pn",
        admins: new Set(),
      };
      ctx.groups.set(jid, g);
      notify(g, { tag: "create", attrs: {}, content: [groupNode(g)] });
      return iqResult(iq, [groupNode(g)]);
    }
    if (first.tag === "invite" && first.attrs.code) {
      const g = [...ctx.groups.values()].find((x) => x.inviteCode && x.inviteCode === first.attrs.code);
      if (!g) return iqError(iq, 406, "not-acceptable");
      if (iq.attrs.type === "get") return iqResult(iq, [groupNode(g)]);
      if (!me) return iqError(iq, 401, "not-authorized");
      if (!g.participants.includes(me)) {
        g.participants.push(me);
        notify(g, { tag: "add", attrs: { reason: "invite" }, content: [participantNode(g, me)] });
      }
      return iqResult(iq, [{ tag: "group", attrs: { jid: g.jid } }]);
    }
    if (first.tag === "leave" && iq.attrs.type === "set") {
      for (const node of getBinaryNodeChildren(first, "group")) {
        const g = ctx.groups.get(`${node.attrs.id}`.includes("@") ? node.attrs.id! : `${node.attrs.id}@g.us`);
        if (!g || !me) continue;
        const at = g.participants.indexOf(me);
        if (at < 0) continue;
        notify(g, { tag: "remove", attrs: {}, content: [participantNode(g, me)] });
        g.participants.splice(at, 1);
        g.admins?.delete(me);
      }
      return iqResult(iq, [{ tag: "leave", attrs: {}, content: getBinaryNodeChildren(first, "group") }]);
    }
    return null;
  }
  const g = ctx.groups.get(iq.attrs.to ?? "");
  if (!g || iq.attrs.type !== "set" && first.tag !== "invite") return null;
  if (!me || !g.participants.includes(me)) return iqError(iq, 403, "forbidden");
  switch (first.tag) {
    case "subject": {
      const subject = Buffer.from((first.content as Uint8Array | string | undefined) ?? "").toString();
      if (!subject.trim()) return iqError(iq, 400, "bad-request");
      g.subject = subject;
      notify(g, { tag: "subject", attrs: { subject, s_t: String(Math.floor(Date.now() / 1000)) } });
      return iqResult(iq);
    }
    case "description": {
      const body = getBinaryNodeChild(first, "body")?.content;
      g.description = first.attrs.delete === "true" ? undefined : Buffer.from((body as Uint8Array | string | undefined) ?? "").toString();
      g.descId = first.attrs.id ?? g.descId;
      notify(g, {
        tag: "description",
        attrs: { id: g.descId ?? "" },
        content: g.description === undefined ? [{ tag: "delete", attrs: {} }] : [{ tag: "body", attrs: {}, content: Buffer.from(g.description) }],
      });
      return iqResult(iq);
    }
    case "invite": {
      if (!isGroupAdmin(g, me)) return iqError(iq, 401, "not-authorized");
      if (iq.attrs.type === "set" || !g.inviteCode) g.inviteCode = newInviteCode();
      return iqResult(iq, [{ tag: "invite", attrs: { code: g.inviteCode } }]);
    }
  }
  const action = PARTICIPANT_ACTIONS.find((a) => a === first.tag);
  if (!action) return null;
  if (!isGroupAdmin(g, me)) return iqError(iq, 401, "not-authorized");
  const results: BinaryNode[] = [];
  const changed: Account[] = [];
  for (const p of getBinaryNodeChildren(first, "participant")) {
    const who = ctx.dir.resolve(p.attrs.jid ?? "")?.account;
    const member = !!who && g.participants.includes(who);
    let error: string | null = null;
    if (!who) error = "404";
    else if (action === "add" && member) error = "409";
    else if (action !== "add" && !member) error = "404";
    else if (action !== "add" && who === g.creator) error = "403";
    results.push({ tag: "participant", attrs: { jid: p.attrs.jid ?? "", ...(error ? { error } : {}) } });
    if (error || !who) continue;
    changed.push(who);
    if (action === "add") g.participants.push(who);
    if (action === "remove") g.participants.splice(g.participants.indexOf(who), 1);
    if (action === "promote") (g.admins ??= new Set()).add(who);
    if (action === "remove" || action === "demote") g.admins?.delete(who);
  }
  if (changed.length) notify(g, { tag: action, attrs: {}, content: changed.map((a) => participantNode(g, a)) });
  return iqResult(iq, [{ tag: action, attrs: {}, content: results }]);
}
