/** Builders for the stanzas the simulated server sends. Pure functions. */
import { S_WHATSAPP_NET } from "@whiskeysockets/baileys";
import type { BinaryNode } from "@whiskeysockets/baileys";

const SERVER = S_WHATSAPP_NET.slice(1); // "s.whatsapp.net"

/** Current server time in seconds, as a string attribute. */
export const nowAttr = (): string => String(Math.floor(Date.now() / 1000));

/** `<iq type=result>` answering `req`, with optional children. */
export function iqResult(req: BinaryNode, content?: BinaryNode[]): BinaryNode {
  const attrs: Record<string, string> = { from: req.attrs.to ?? SERVER, type: "result", id: req.attrs.id ?? "" };
  return content ? { tag: "iq", attrs, content } : { tag: "iq", attrs };
}

/** `<iq type=error>` answering `req`. */
export function iqError(req: BinaryNode, code: number, text: string): BinaryNode {
  return { tag: "iq", attrs: { from: req.attrs.to ?? SERVER, type: "error", id: req.attrs.id ?? "" }, content: [{ tag: "error", attrs: { code: String(code), text } }] };
}

/** The QR-login request: a pair-device iq with `refs`. */
export function pairDevice(id: string, refs: string[]): BinaryNode {
  return {
    tag: "iq",
    attrs: { from: SERVER, type: "set", id, xmlns: "md" },
    content: [{ tag: "pair-device", attrs: {}, content: refs.map((r) => ({ tag: "ref", attrs: {}, content: Buffer.from(r) })) }],
  };
}

/** pair-success for a newly linked companion. */
export function pairSuccess(id: string, a: { deviceIdentity: Uint8Array; keyIndex: number; platform: string; jid: string; lid: string; bizName?: string }): BinaryNode {
  const content: BinaryNode[] = [
    { tag: "device-identity", attrs: { "key-index": String(a.keyIndex) }, content: a.deviceIdentity },
    { tag: "platform", attrs: { name: a.platform } },
    { tag: "device", attrs: { jid: a.jid, lid: a.lid } },
  ];
  if (a.bizName) content.push({ tag: "biz", attrs: { name: a.bizName } });
  return { tag: "iq", attrs: { from: SERVER, type: "set", id, t: nowAttr() }, content: [{ tag: "pair-success", attrs: {}, content }] };
}

/** Login accepted. */
export function success(lid: string): BinaryNode {
  return { tag: "success", attrs: { t: nowAttr(), props: "1", abprops: "1", location: "sim", creation: nowAttr(), lid } };
}

/** Login refused (`reason` 401 = logged out / device removed). */
export function failure(reason: number): BinaryNode {
  return { tag: "failure", attrs: { reason: String(reason), location: "sim" } };
}

/** A stream error: `code` attribute and/or a reason child (e.g. conflict type=replaced). */
export function streamError(code?: number, child?: BinaryNode): BinaryNode {
  return { tag: "stream:error", attrs: code ? { code: String(code) } : {}, content: child ? [child] : undefined };
}

/** End of the offline queue. */
export function offlineDone(count: number): BinaryNode {
  return { tag: "ib", attrs: { from: SERVER }, content: [{ tag: "offline", attrs: { count: String(count) } }] };
}

/** Server acknowledgement of a client stanza. */
export function ack(node: BinaryNode, extra: Record<string, string> = {}): BinaryNode {
  const attrs: Record<string, string> = { class: node.tag, id: node.attrs.id ?? "", t: nowAttr(), ...extra };
  if (node.attrs.to) attrs.from = node.attrs.to;
  if (node.tag !== "message" && node.attrs.type) attrs.type = node.attrs.type;
  return { tag: "ack", attrs };
}
