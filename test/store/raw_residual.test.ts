import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { proto } from "@whiskeysockets/baileys";
import type { WAMessage, WAMessageKey } from "@whiskeysockets/baileys";
import { fullRaw, isResidual, type RawColumns, RawResidualError, residualRaw, versionOneResidual } from "../../src/store/raw_residual.ts";
import { rawColumnsOf } from "../../src/store/rows.ts";
import type { MessageRow, WriteOp } from "../../src/store/types.ts";
import { mapMessage } from "../../src/whatsapp/mapping/messages.ts";
import { prng } from "../../src/bench/store.ts";
import { createHash } from "node:crypto";

/** sha256 of the residuals of `messages(3000)`, as the cut before its rewrite for speed wrote them. */
const RESIDUALS_DIGEST = "8fa87437014d7cf5fd728a15a7ce53e3070471f4134ac194761d4fc0dab85600";

const ME = "491700000001@s.whatsapp.net";
const ME_LID = "100000000000001@lid";
const PEOPLE = ["491711111111@s.whatsapp.net", "491722222222@s.whatsapp.net", "14155550100@s.whatsapp.net"];
const LIDS = ["200000000000002@lid", "300000000000003@lid", "400000000000004@lid"];
const GROUPS = ["120363000000000001@g.us", "120363025246125486@g.us"];
const T0 = 1736935200;

const WORDS = ["hello", "see", "you", "tomorrow", "Grüße", "привет", "مرحبا", "你好", "👍🏽", "ok", "the", "meeting", "at", "noon"];

/** Builds varied real messages with Baileys' proto, as they arrive (key kept plain, as Baileys does). */
function* messages(count: number): Generator<WAMessage> {
  const rnd = prng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
  const text = () => Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => pick(WORDS)).join(" ");
  const hex = (n: number) => Array.from({ length: n }, () => "0123456789ABCDEF"[Math.floor(rnd() * 16)]).join("");
  const media = (withCaption: boolean) => ({
    url: `https://mmg.whatsapp.net/v/t62.7118-24/${hex(20)}.enc?ccb=11-4&oh=${hex(30)}&oe=${hex(8)}&_nc_sid=5e03e0&mms3=true`,
    mimetype: pick(["image/jpeg", "video/mp4", "application/pdf", "audio/ogg; codecs=opus", "image/webp"]),
    fileSha256: bytes(32),
    fileLength: 1000 + Math.floor(rnd() * 5_000_000),
    mediaKey: bytes(32),
    fileEncSha256: bytes(32),
    directPath: `/v/t62.7118-24/${hex(20)}.enc?ccb=11-4&oh=${hex(30)}&oe=${hex(8)}&_nc_sid=5e03e0`,
    mediaKeyTimestamp: T0 + Math.floor(rnd() * 1000),
    ...(withCaption && rnd() < 0.6 ? { caption: text() } : {}),
  });
  for (let i = 0; i < count; i++) {
    const group = rnd() < 0.35;
    const fromMe = rnd() < 0.3;
    const lid = rnd() < 0.3;
    const person = lid ? pick(LIDS) : pick(PEOPLE);
    const chat = group ? pick(GROUPS) : person;
    const key: WAMessageKey = { remoteJid: chat, fromMe, id: `3EB0${hex(16 + Math.floor(rnd() * 8))}` };
    if (group && !fromMe) key.participant = rnd() < 0.5 ? pick(LIDS) : pick(PEOPLE);
    const context = () => (rnd() < 0.3
      ? {
        contextInfo: {
          stanzaId: `3EB0${hex(16)}`,
          participant: pick(PEOPLE),
          quotedMessage: { conversation: text() },
          mentionedJid: rnd() < 0.5 ? [pick(PEOPLE), pick(LIDS)] : [],
        },
      }
      : {});
    let message: proto.IMessage;
    const kind = Math.floor(rnd() * 13);
    switch (kind) {
      case 0:
        message = { conversation: text() };
        break;
      case 1:
        message = { extendedTextMessage: { text: text(), ...context() } };
        break;
      case 2:
        message = { imageMessage: { ...media(true), height: 1280, width: 960, jpegThumbnail: bytes(200), ...context() } };
        break;
      case 3:
        message = { videoMessage: { ...media(true), seconds: 1 + Math.floor(rnd() * 300), gifPlayback: rnd() < 0.2 } };
        break;
      case 4:
        message = { documentMessage: { ...media(true), fileName: `Report ${text()}.pdf`, title: "Report", pageCount: 3 } };
        break;
      case 5:
        message = { audioMessage: { ...media(false), seconds: 1 + Math.floor(rnd() * 120), ptt: rnd() < 0.7, waveform: bytes(64) } };
        break;
      case 6:
        message = { stickerMessage: { ...media(false), isAnimated: rnd() < 0.3 } };
        break;
      case 7:
        message = { reactionMessage: { key: { remoteJid: chat, fromMe: false, id: `3EB0${hex(16)}` }, text: "❤️", senderTimestampMs: T0 * 1000 } };
        break;
      case 8:
        message = {
          pollCreationMessageV3: { name: text(), options: [{ optionName: "yes" }, { optionName: "no" }], selectableOptionsCount: 1 },
          messageContextInfo: { messageSecret: bytes(32) },
        };
        break;
      case 9:
        message = {
          protocolMessage: {
            key: { remoteJid: chat, fromMe: true, id: `3EB0${hex(16)}` },
            type: proto.Message.ProtocolMessage.Type.MESSAGE_EDIT,
            editedMessage: { conversation: text() },
            timestampMs: T0 * 1000 + 5000,
          },
        };
        break;
      case 10:
        message = { viewOnceMessageV2: { message: { imageMessage: { ...media(true), viewOnce: true } } } };
        break;
      case 11:
        message = { ephemeralMessage: { message: { extendedTextMessage: { text: text(), ...context() } } } };
        break;
      default:
        message = { documentWithCaptionMessage: { message: { documentMessage: { ...media(true), fileName: "notes.txt" } } } };
    }
    if (rnd() < 0.5) {
      message.messageContextInfo = {
        ...message.messageContextInfo,
        deviceListMetadata: { senderKeyHash: bytes(10), senderTimestamp: T0 - 3600, recipientKeyHash: bytes(10) },
        deviceListMetadataVersion: 2,
        messageSecret: bytes(32),
      };
    }
    const obj: proto.IWebMessageInfo = {
      key,
      message,
      messageTimestamp: T0 + i * 7 + Math.floor(rnd() * 5),
      ...(fromMe ? { status: proto.WebMessageInfo.Status.SERVER_ACK } : { pushName: pick(["Alice", "Бob", "Zoë"]) }),
      ...(rnd() < 0.2 ? { userReceipt: [{ userJid: pick(PEOPLE), readTimestamp: T0 + 60 }] } : {}),
    };
    const msg = proto.WebMessageInfo.fromObject(obj as Record<string, unknown>) as WAMessage;
    msg.key = key;
    yield msg;
  }
}

const ctx = { meId: ME, meLid: ME_LID, lidToPn: new Map([[LIDS[0]!, PEOPLE[0]!]]) };

/** The row values a store would bind for this message: its mapped row, or (no row: reactions, edits) its key's. */
function columnsOf(msg: WAMessage): { cols: RawColumns; raw: Uint8Array } {
  const raw = new Uint8Array(proto.WebMessageInfo.encode(msg).finish()); // a plain Uint8Array, as the stores return
  const ops = mapMessage(msg, ctx, "history");
  const row = ops.find((o): o is Extract<WriteOp, { op: "upsertMessage" }> => o.op === "upsertMessage")?.message;
  if (row) return { cols: rawColumnsOf(row.chatJid, row.senderId, row, row.ts), raw };
  const k = msg.key;
  const m: MessageRow = {
    chatJid: k.remoteJid!, id: k.id!, senderId: k.participant ?? null, fromMe: !!k.fromMe, ts: Number(msg.messageTimestamp) * 1000,
    type: "other", text: null, quotedId: null, editedText: null, editedAt: null, revoked: false, viewOnce: false, status: null, media: null, raw,
  };
  return { cols: rawColumnsOf(m.chatJid, m.senderId, m, m.ts), raw };
}

/** A decoded message as comparable plain data. */
const plain = (b: Uint8Array) => proto.WebMessageInfo.toObject(proto.WebMessageInfo.decode(b), { longs: String, bytes: String, defaults: false });

describe("raw residual protos", () => {
  test("every real message rebuilds to exactly its proto, and most lose bytes", () => {
    let full = 0;
    let kept = 0;
    let count = 0;
    for (const msg of messages(3000)) {
      const { cols, raw } = columnsOf(msg);
      const residual = residualRaw(raw, cols);
      const rebuilt = fullRaw(residual, cols);
      assert.deepEqual(plain(rebuilt), plain(raw));
      assert.deepEqual(rebuilt, raw, "byte for byte");
      assert.ok(residual.length <= raw.length + 2);
      full += raw.length;
      kept += residual.length;
      count++;
      // The id always equals its column: every message is cut (none left as a protobuf).
      assert.ok(isResidual(residual));
      assert.throws(() => proto.WebMessageInfo.decode(residual), "a residual is not a protobuf message");
    }
    assert.equal(count, 3000);
    assert.ok(kept < full * 0.8, `residuals ${kept} B of ${full} B`);
  });

  test("the residuals are the stored format, byte for byte (a digest of 3000 pinned)", async () => {
    // Residuals are stored: a faster cut must write exactly the bytes the format's first version
    // wrote (a short form, version 2, read as the version 1 residual it stands for).
    const h = createHash("sha256");
    for (const msg of messages(3000)) {
      const { cols, raw } = columnsOf(msg);
      h.update(versionOneResidual(residualRaw(raw, cols)));
    }
    assert.equal(h.digest("hex"), RESIDUALS_DIGEST);
  });

  test("a plain text message's residual takes its short form (3 or 4 bytes); version 1 residuals, as older stores hold them, still read", () => {
    let short = 0;
    for (const msg of messages(3000)) {
      const { cols, raw } = columnsOf(msg);
      const residual = residualRaw(raw, cols);
      const v1 = versionOneResidual(residual);
      assert.deepEqual(fullRaw(v1, cols), raw, "a version 1 residual rebuilds");
      if (residual[1] !== 2) continue;
      short++;
      assert.ok(residual.length === 3 || residual.length === 4);
      assert.ok(v1.length >= 16 && v1.length <= 20 && v1[1] === 1);
      assert.ok(msg.message?.conversation, "only plain text messages");
    }
    assert.ok(short > 10, `${short} short forms`);
    const key = { remoteJid: GROUPS[0], fromMe: false, id: "3EB0AAAA", participant: PEOPLE[1] };
    const msg = proto.WebMessageInfo.fromObject({ key, messageTimestamp: T0, message: { conversation: "hi" }, status: 2 });
    const raw = new Uint8Array(proto.WebMessageInfo.encode(msg).finish());
    const cols: RawColumns = { chatJid: GROUPS[0]!, id: "3EB0AAAA", senderId: PEOPLE[1]!, ts: T0 * 1000, text: "hi", quotedId: null, media: null };
    const residual = residualRaw(raw, cols);
    assert.deepEqual([...residual], [0x07, 2, 0b110, 2], "fromMe false, a participant, status 2");
    assert.deepEqual(fullRaw(residual, cols), raw);
    // With one more field (a push name) it is no plain text message: version 1.
    const named = new Uint8Array(proto.WebMessageInfo.encode({ ...msg, pushName: "Zoë" }).finish());
    assert.equal(residualRaw(named, cols)[1], 1);
    for (const bad of [[0x07, 2, 8], [0x07, 2, 4], [0x07, 2, 0, 1]]) {
      assert.throws(() => fullRaw(Uint8Array.from(bad), cols), RawResidualError);
    }
  });

  test("a field whose column differs from it stays in the residual", () => {
    for (const msg of messages(500)) {
      const { cols, raw } = columnsOf(msg);
      const other: RawColumns = {
        ...cols,
        id: cols.id + "x",
        text: cols.text === null ? null : cols.text + " ",
        ts: cols.ts + 1000,
        media: cols.media ? { ...cols.media, mediaKey: new Uint8Array(32), url: "https://mmg.whatsapp.net/other", fileLength: 1 } : null,
      };
      const residual = residualRaw(raw, other);
      // Rebuilt from the same (wrong) columns: still the original, as nothing they hold was cut.
      assert.deepEqual(fullRaw(residual, other), raw);
      // The id and text were not cut: other values there change nothing.
      assert.deepEqual(fullRaw(residual, { ...other, id: "Z", text: other.text === null ? null : "Z" }), raw);
    }
  });

  test("rebuilt from columns that changed after the cut, the proto differs (what the stores must prevent)", () => {
    let differing = 0;
    for (const msg of messages(200)) {
      const { cols, raw } = columnsOf(msg);
      const residual = residualRaw(raw, cols);
      const changed = fullRaw(residual, { ...cols, id: cols.id + "0" });
      assert.notDeepEqual(plain(changed), plain(raw));
      differing++;
    }
    assert.equal(differing, 200);
  });

  test("LID chats and senders are kept (re-keying changes those columns), phone numbers and groups are cut", () => {
    const key = { remoteJid: LIDS[1]!, fromMe: false, id: "3EB0AAAA" };
    const msg = proto.WebMessageInfo.fromObject({ key, messageTimestamp: T0, message: { conversation: "hi" } });
    const raw = new Uint8Array(proto.WebMessageInfo.encode(msg).finish());
    const cols: RawColumns = { chatJid: LIDS[1]!, id: "3EB0AAAA", senderId: LIDS[1]!, ts: T0 * 1000, text: "hi", quotedId: null, media: null };
    const residual = residualRaw(raw, cols);
    // A cut saves its payload (tag and length become tag and column code), a varint all but one byte.
    assert.equal(residual.length, raw.length + 2 - "3EB0AAAA".length - 4 - "hi".length, "id, ts and text cut; the LID kept");
    assert.deepEqual(fullRaw(residual, { ...cols, chatJid: PEOPLE[1]!, senderId: PEOPLE[1]! }), raw);
    const pnMsg = proto.WebMessageInfo.fromObject({ key: { ...key, remoteJid: GROUPS[0], participant: PEOPLE[1] }, messageTimestamp: T0, message: { conversation: "hi" } });
    const pn = new Uint8Array(proto.WebMessageInfo.encode(pnMsg).finish());
    const pnCols = { ...cols, chatJid: GROUPS[0]!, senderId: PEOPLE[1]! };
    const pnResidual = residualRaw(pn, pnCols);
    assert.equal(versionOneResidual(pnResidual).length, pn.length + 2 - GROUPS[0]!.length - PEOPLE[1]!.length - "3EB0AAAA".length - 4 - "hi".length);
    assert.deepEqual(fullRaw(pnResidual, pnCols), pn);
  });

  test("text that would not read back as bound (NUL, lone surrogate) is never cut", () => {
    for (const text of ["a\u0000b", "x\uD800y", "\uDC00"]) {
      const msg = proto.WebMessageInfo.fromObject({ key: { remoteJid: LIDS[0], id: "A" }, message: { conversation: text } });
      const raw = proto.WebMessageInfo.encode(msg).finish();
      const cols: RawColumns = { chatJid: LIDS[0]!, id: "B", senderId: null, ts: 1, text, quotedId: null, media: null };
      assert.equal(residualRaw(raw, cols), raw);
    }
  });

  test("bytes that are not a protobuf message are kept as they are; full raws read as they are", () => {
    const cols: RawColumns = { chatJid: GROUPS[0]!, id: "A", senderId: null, ts: 0, text: null, quotedId: null, media: null };
    for (const raw of [new Uint8Array([10, 20, 30, 0, 255]), new Uint8Array([1]), new Uint8Array(0), new Uint8Array([0x0b, 0x01])]) {
      assert.equal(residualRaw(raw, cols), raw);
      assert.equal(fullRaw(raw, cols), raw);
    }
  });

  test("a residual whose column is empty now cannot be rebuilt", () => {
    const msg = proto.WebMessageInfo.fromObject({ key: { remoteJid: GROUPS[0], id: "3EB0AAAA" }, message: { conversation: "hello" } });
    const raw = proto.WebMessageInfo.encode(msg).finish();
    const cols: RawColumns = { chatJid: GROUPS[0]!, id: "3EB0AAAA", senderId: null, ts: 0, text: "hello", quotedId: null, media: null };
    const residual = residualRaw(raw, cols);
    assert.throws(() => fullRaw(residual, { ...cols, text: null }), RawResidualError);
  });
});
