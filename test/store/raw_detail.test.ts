import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { proto } from "@whiskeysockets/baileys";
import { rawDetailCutoff, withoutDetail, withoutOldDetail } from "../../src/store/raw_detail.ts";
import { fullRaw, residualRaw } from "../../src/store/raw_residual.ts";
import { rawColumnsOf } from "../../src/store/rows.ts";
import type { MessageRow, WriteOp } from "../../src/store/types.ts";

const T0 = 1736935200;
const bytes = (n: number, x: number) => new Uint8Array(n).fill(x);
const encode = (m: proto.IWebMessageInfo) => new Uint8Array(proto.WebMessageInfo.encode(m).finish());
const plain = (b: Uint8Array) => proto.WebMessageInfo.toObject(proto.WebMessageInfo.decode(b), { longs: String, bytes: String, defaults: false });
const key = { remoteJid: "491711111111@s.whatsapp.net", fromMe: false, id: "3EB0AAAA" };
const details = { messageSecret: bytes(32, 9), deviceListMetadata: { senderKeyHash: bytes(10, 8), senderTimestamp: T0 }, deviceListMetadataVersion: 2 };
const file = { url: "https://mmg.whatsapp.net/x", mimetype: "image/jpeg", mediaKey: bytes(32, 1), fileLength: 100 };

/** Each kind of content with a thumbnail, as it arrives and as it is kept. */
const CASES: Array<[proto.IMessage, proto.IMessage]> = [
  [{ imageMessage: { ...file, caption: "cap", jpegThumbnail: bytes(900, 7) } }, { imageMessage: { ...file, caption: "cap" } }],
  [{ videoMessage: { ...file, seconds: 3, jpegThumbnail: bytes(700, 7) } }, { videoMessage: { ...file, seconds: 3 } }],
  [{ documentMessage: { ...file, fileName: "a.pdf", jpegThumbnail: bytes(500, 7) } }, { documentMessage: { ...file, fileName: "a.pdf" } }],
  [{ extendedTextMessage: { text: "see https://x.org", matchedText: "https://x.org", jpegThumbnail: bytes(300, 7) } }, { extendedTextMessage: { text: "see https://x.org", matchedText: "https://x.org" } }],
  [{ stickerMessage: { ...file, pngThumbnail: bytes(200, 7) } }, { stickerMessage: { ...file } }],
  [{ ephemeralMessage: { message: { imageMessage: { ...file, jpegThumbnail: bytes(900, 7) } } } }, { ephemeralMessage: { message: { imageMessage: { ...file } } } }],
  [{ audioMessage: { ...file, seconds: 4, ptt: true, waveform: bytes(64, 3) } }, { audioMessage: { ...file, seconds: 4, ptt: true, waveform: bytes(64, 3) } }],
];

function row(ts: number, raw: Uint8Array | null): MessageRow {
  return {
    chatJid: key.remoteJid, id: key.id, senderId: key.remoteJid, fromMe: false, ts, type: "text", text: "hi", quotedId: null,
    editedText: null, editedAt: null, revoked: false, viewOnce: false, status: null, media: null, raw,
  };
}

describe("raw details of older messages", () => {
  test("thumbnails, message secret, device list data and push name go; every other field stays as it was", () => {
    for (const [message, kept] of CASES) {
      const raw = encode({ key, messageTimestamp: T0, pushName: "Zoë", status: 3, message: { ...message, messageContextInfo: details } });
      const lean = withoutDetail(raw);
      assert.deepEqual(plain(lean), plain(encode({ key, messageTimestamp: T0, status: 3, message: kept })));
      assert.ok(lean.length < raw.length - 40);
    }
  });

  test("a messageContextInfo with other fields keeps them; one left empty goes; one that came empty stays", () => {
    const other = encode({ key, message: { conversation: "x", messageContextInfo: { ...details, messageAddOnDurationInSecs: 60 } } });
    assert.deepEqual(plain(withoutDetail(other)), plain(encode({ key, message: { conversation: "x", messageContextInfo: { messageAddOnDurationInSecs: 60 } } })));
    const empty = encode({ key, message: { conversation: "x", messageContextInfo: {} } });
    assert.equal(withoutDetail(empty), empty, "nothing to drop: the same bytes");
  });

  test("a raw without details, a residual, or bytes that are no protobuf message come back as they are", () => {
    const bare = encode({ key, messageTimestamp: T0, message: { conversation: "hi" } });
    for (const b of [bare, residualRaw(bare, rawColumnsOf(key.remoteJid, key.remoteJid, row(T0 * 1000, bare), T0 * 1000)), Uint8Array.of(10, 20, 30), new Uint8Array(0)]) {
      assert.equal(withoutDetail(b), b);
    }
  });

  test("only messages before the cutoff lose their details; the same array when none does; all kept with no policy", () => {
    const raw = encode({ key, messageTimestamp: T0, pushName: "Zoë", message: { conversation: "hi" } });
    const now = Date.UTC(2026, 0, 31);
    const cutoff = rawDetailCutoff(now, 30);
    assert.equal(cutoff, Date.UTC(2026, 0, 1));
    const ops: WriteOp[] = [
      { op: "upsertMessage", message: row(cutoff - 1000, raw) },
      { op: "upsertMessage", message: row(cutoff, raw) },
      { op: "upsertChat", chat: { jid: key.remoteJid } },
      { op: "upsertMessage", message: row(cutoff - 1000, null) },
    ];
    const out = withoutOldDetail(ops, cutoff);
    assert.notEqual(out, ops);
    const first = (out[0] as Extract<WriteOp, { op: "upsertMessage" }>).message;
    assert.equal(proto.WebMessageInfo.decode(first.raw!).pushName ?? null, null);
    assert.equal(out[1], ops[1]);
    assert.equal(out[2], ops[2]);
    assert.equal(out[3], ops[3]);
    assert.equal((ops[0] as Extract<WriteOp, { op: "upsertMessage" }>).message.raw, raw, "the caller's op is not changed");
    assert.equal(withoutOldDetail(ops.slice(1), cutoff).length, 3);
    const recent = ops.slice(1);
    assert.equal(withoutOldDetail(recent, cutoff), recent);
    assert.equal(rawDetailCutoff(now, null), -Infinity);
    assert.equal(withoutOldDetail(ops, -Infinity), ops);
  });

  test("a kept raw is cut and rebuilt like any other: a plain text message to its short form", () => {
    const raw = encode({ key, messageTimestamp: T0, pushName: "Zoë", message: { conversation: "hi", messageContextInfo: details } });
    const lean = withoutDetail(raw);
    const m = row(T0 * 1000, lean);
    const cols = rawColumnsOf(m.chatJid, m.senderId, m, m.ts);
    const residual = residualRaw(lean, cols);
    assert.equal(residual.length, 3);
    assert.deepEqual(fullRaw(residual, cols), lean);
  });
});
