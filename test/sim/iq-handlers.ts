/**
 * Answers to the client's iqs: key server (`encrypt`), device/LID lookups (`usync`), group
 * metadata (`w:g2`), media hosts (`w:m`), app-state sync with no patches, privacy, props,
 * pings. Everything else gets an empty result, which Baileys accepts for its init queries.
 * Pure functions of the server state they are given.
 */
import { getBinaryNodeChild, getBinaryNodeChildren, jidEncode } from "@whiskeysockets/baileys";
import type { BinaryNode } from "@whiskeysockets/baileys";
import type { GroupInfo, MediaHost } from "./core.ts";
import { bundleUserNode, parsePreKeyUpload, parseSkey, takeBundle } from "./key-bundle.ts";
import type { Account, Device, Directory } from "./model.ts";
import { lidJid, pnJid } from "./model.ts";
import { iqError, iqResult } from "./stanzas.ts";
import { groupAdminIq, groupNode } from "./group-admin.ts";

export { groupNode };

/** The state iq answers read and (for key uploads) write. */
export interface IqContext {
  readonly dir: Directory;
  /** The logged-in companion device of this connection, if any. */
  readonly device?: Device;
  readonly account?: Account;
  readonly groups: Map<string, GroupInfo>;
  readonly media?: MediaHost;
  /** Called after the client uploaded pre-keys. */
  onPreKeysUploaded(): void;
  /** Called when the client asks to unlink itself (`sock.logout()`). */
  onRemoveCompanion(): void;
  /** Tells the companions of a group change (a `w:gp2` notification). */
  notifyGroup?(g: GroupInfo, actor: Account, change: BinaryNode): void;
  /** The accounts the simulated account has blocked (its block list). */
  readonly blocked?: Set<Account>;
}

const child = (n: BinaryNode): BinaryNode | undefined => (Array.isArray(n.content) ? n.content[0] : undefined);

/** Returns the reply to an iq (get/set) from the client. */
export function answerIq(ctx: IqContext, iq: BinaryNode): BinaryNode {
  const { xmlns, type } = iq.attrs;
  const first = child(iq);
  switch (xmlns) {
    case "w:p":
      return iqResult(iq);
    case "encrypt":
      return encryptIq(ctx, iq, first);
    case "usync":
      return usync(ctx, iq);
    case "w:g2":
      return groupIq(ctx, iq, first);
    case "w:m":
      return mediaConn(ctx, iq);
    case "w:sync:app:state":
      return appStateSync(iq);
    case "privacy":
      return type === "get" && first?.tag === "privacy" ? privacySettings(iq) : iqResult(iq);
    case "blocklist":
      return blocklistIq(ctx, iq, first);
    case "w:profile:picture":
      return pictureIq(ctx, iq);
    case "w:biz":
      return businessIq(ctx, iq, first);
    case "abt":
      return iqResult(iq, [{ tag: "props", attrs: { protocol: "1", hash: "sim" }, content: [] }]);
    case "md":
      if (first?.tag === "remove-companion-device") {
        ctx.onRemoveCompanion();
        return iqResult(iq);
      }
      return iqResult(iq);
    default:
      return iqResult(iq);
  }
}

function encryptIq(ctx: IqContext, iq: BinaryNode, first: BinaryNode | undefined): BinaryNode {
  const dev = ctx.device;
  if (iq.attrs.type === "get" && first?.tag === "count") {
    return iqResult(iq, [{ tag: "count", attrs: { value: String(dev?.keys.preKeys.size ?? 0) } }]);
  }
  if (iq.attrs.type === "get" && first?.tag === "digest") {
    return iqResult(iq, [{ tag: "digest", attrs: {}, content: [{ tag: "type", attrs: {} }] }]);
  }
  if (iq.attrs.type === "set" && getBinaryNodeChild(iq, "list")) {
    if (!dev) return iqError(iq, 401, "not-authorized");
    const up = parsePreKeyUpload(iq);
    dev.keys.registrationId = up.registrationId || dev.keys.registrationId;
    if (up.identityKey.length === 32) dev.keys.identityKey = up.identityKey;
    if (up.signedPreKey.publicKey.length === 32) dev.keys.signedPreKey = up.signedPreKey;
    for (const [id, pub] of up.preKeys) dev.keys.preKeys.set(id, pub);
    ctx.onPreKeysUploaded();
    return iqResult(iq);
  }
  if (iq.attrs.type === "set" && first?.tag === "rotate") {
    if (!dev) return iqError(iq, 401, "not-authorized");
    dev.keys.signedPreKey = parseSkey(getBinaryNodeChild(first, "skey"));
    return iqResult(iq);
  }
  if (iq.attrs.type === "get" && first?.tag === "key") {
    const users: BinaryNode[] = [];
    for (const u of getBinaryNodeChildren(first, "user")) {
      const jid = u.attrs.jid ?? "";
      const r = ctx.dir.resolve(jid);
      const d = r?.account.devices.get(r.device);
      if (!d) continue; // unknown devices are left out of the answer
      users.push(bundleUserNode(jid, takeBundle(d.keys)));
      d.party?.refill();
    }
    return iqResult(iq, [{ tag: "list", attrs: {}, content: users }]);
  }
  return iqResult(iq);
}

function deviceList(a: Account): BinaryNode {
  const devices = [...a.devices.values()].sort((x, y) => x.id - y.id);
  return {
    tag: "devices",
    attrs: {},
    content: [
      {
        tag: "device-list",
        attrs: {},
        content: devices.map((d): BinaryNode => ({ tag: "device", attrs: d.id === 0 ? { id: "0" } : { id: String(d.id), "key-index": String(d.keyIndex ?? d.id) } })),
      },
      { tag: "key-index-list", attrs: { ts: String(Math.floor(Date.now() / 1000)) } },
    ],
  };
}

function usync(ctx: IqContext, iq: BinaryNode): BinaryNode {
  const us = getBinaryNodeChild(iq, "usync");
  const protocols = (Array.isArray(getBinaryNodeChild(us, "query")?.content) ? (getBinaryNodeChild(us, "query")!.content as BinaryNode[]) : []).map((p) => p.tag);
  const users = getBinaryNodeChildren(getBinaryNodeChild(us, "list"), "user");
  const out: BinaryNode[] = [];
  for (const u of users) {
    let jid = u.attrs.jid;
    let account: Account | undefined;
    if (jid) {
      account = ctx.dir.resolve(jid)?.account;
    } else {
      const contact = getBinaryNodeChild(u, "contact");
      const digits = Buffer.from((contact?.content as Uint8Array | string | undefined) ?? "").toString().replace(/\D/g, "");
      account = ctx.dir.byPn(digits);
      jid = jidEncode(digits, "s.whatsapp.net");
    }
    const content: BinaryNode[] = [];
    for (const p of protocols) {
      if (p === "contact") content.push({ tag: "contact", attrs: { type: account ? "in" : "out" } });
      else if (!account) continue;
      else if (p === "devices") content.push(deviceList(account));
      else if (p === "lid") content.push({ tag: "lid", attrs: { val: lidJid(account) } });
      else if (p === "status") content.push(statusNode(account));
    }
    out.push({ tag: "user", attrs: { jid: account && !u.attrs.jid ? pnJid(account) : jid }, content });
  }
  return iqResult(iq, [
    {
      tag: "usync",
      attrs: { sid: us?.attrs.sid ?? "", mode: us?.attrs.mode ?? "query", context: us?.attrs.context ?? "interactive", index: "0", last: "true" },
      content: [{ tag: "list", attrs: {}, content: out }],
    },
  ]);
}

function groupIq(ctx: IqContext, iq: BinaryNode, first: BinaryNode | undefined): BinaryNode {
  const admin = groupAdminIq(ctx, iq, first);
  if (admin) return admin;
  if (first?.tag === "query") {
    const g = ctx.groups.get(iq.attrs.to ?? "");
    return g ? iqResult(iq, [groupNode(g)]) : iqError(iq, 404, "item-not-found");
  }
  if (first?.tag === "participating") {
    const mine = [...ctx.groups.values()].filter((g) => !ctx.account || g.participants.includes(ctx.account));
    return iqResult(iq, [{ tag: "groups", attrs: {}, content: mine.map(groupNode) }]);
  }
  return iqResult(iq);
}

function mediaConn(ctx: IqContext, iq: BinaryNode): BinaryNode {
  const hosts: BinaryNode[] = ctx.media ? [{ tag: "host", attrs: { hostname: ctx.media.host, maxContentLengthBytes: "104857600" } }] : [];
  return iqResult(iq, [{ tag: "media_conn", attrs: { auth: "sim-media-auth", ttl: "3600", auth_ttl: "3600", max_buckets: "1" }, content: hosts }]);
}

// An app-state answer must name every requested collection, or Baileys asks again forever.
function appStateSync(iq: BinaryNode): BinaryNode {
  const sync = getBinaryNodeChild(iq, "sync");
  const collections = getBinaryNodeChildren(sync, "collection").map((c) => ({
    tag: "collection",
    attrs: { name: c.attrs.name ?? "", version: c.attrs.version ?? "0" },
  }));
  return iqResult(iq, [{ tag: "sync", attrs: {}, content: collections }]);
}

function privacySettings(iq: BinaryNode): BinaryNode {
  const cats: Array<[string, string]> = [
    ["last", "all"],
    ["online", "all"],
    ["profile", "all"],
    ["status", "all"],
    ["groupadd", "all"],
    ["readreceipts", "all"],
    ["calladd", "all"],
  ];
  return iqResult(iq, [{ tag: "privacy", attrs: {}, content: cats.map(([name, value]) => ({ tag: "category", attrs: { name, value } })) }]);
}

/** The about text as usync's status protocol answers it (401 when the account hides it). */
function statusNode(a: Account): BinaryNode {
  const p = a.profile;
  if (p.hideAbout) return { tag: "status", attrs: { code: "401" } };
  return { tag: "status", attrs: { t: String(Math.floor((p.aboutSetAt ?? Date.now()) / 1000)) }, content: Buffer.from(p.about ?? "") };
}

/** The block list: read it, or block/unblock one account (named by LID, as Baileys sends it). */
function blocklistIq(ctx: IqContext, iq: BinaryNode, first: BinaryNode | undefined): BinaryNode {
  const blocked = ctx.blocked;
  if (!blocked) return iqResult(iq, [{ tag: "list", attrs: {} }]);
  if (iq.attrs.type === "set" && first?.tag === "item") {
    const who = ctx.dir.resolve(first.attrs.jid ?? "")?.account;
    if (!who) return iqError(iq, 404, "item-not-found");
    if (first.attrs.action === "block") blocked.add(who);
    else blocked.delete(who);
    return iqResult(iq);
  }
  return iqResult(iq, [{ tag: "list", attrs: {}, content: [...blocked].map((a) => ({ tag: "item", attrs: { jid: lidJid(a) } })) }]);
}

/** A profile picture's location on the media host (preview), or 404 when there is none. */
function pictureIq(ctx: IqContext, iq: BinaryNode): BinaryNode {
  const who = ctx.dir.resolve(iq.attrs.target ?? "")?.account;
  const bytes = who?.profile.picture;
  if (!who || !bytes || !ctx.media) return iqError(iq, 404, "item-not-found");
  const path = ctx.media.put(bytes, "pp");
  return iqResult(iq, [{ tag: "picture", attrs: { id: "1", type: "preview", url: `https://${ctx.media.host}${path}` } }]);
}

/** A business profile, for accounts that have one. */
function businessIq(ctx: IqContext, iq: BinaryNode, first: BinaryNode | undefined): BinaryNode {
  const jid = getBinaryNodeChild(first, "profile")?.attrs.jid ?? "";
  const who = ctx.dir.resolve(jid)?.account;
  const b = who?.profile.business;
  if (!b) return iqResult(iq, [{ tag: "business_profile", attrs: { v: "244" } }]);
  const text = (tag: string, v: string | undefined): BinaryNode[] => (v ? [{ tag, attrs: {}, content: Buffer.from(v) }] : []);
  return iqResult(iq, [{
    tag: "business_profile",
    attrs: { v: "244" },
    content: [{
      tag: "profile",
      attrs: { jid },
      content: [
        ...text("description", b.description),
        ...text("email", b.email),
        ...text("website", b.website),
        ...(b.category ? [{ tag: "categories", attrs: {}, content: [{ tag: "category", attrs: { id: "1" }, content: Buffer.from(b.category) }] }] : []),
      ],
    }],
  }]);
}
