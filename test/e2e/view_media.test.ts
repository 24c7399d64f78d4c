/**
 * view_media and media resources, end to end: a simulated contact sends each kind of media
 * (photo, video, GIF, sticker, voice note, PDF, Word, CSV) through the simulator's HTTPS media
 * host; the real server (stdio, sql.js, Baileys, ffmpeg.wasm worker) renders it for an MCP
 * client through the tool, and serves the original through `resources/read`.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { FfmpegRunner } from "../../src/media/ffmpeg/runner.ts";
import { makeDocx, makeTextPdf } from "../../src/media/view/sample_files.ts";
import type { FakeContact } from "../sim/index.ts";
import { makeWav } from "../media/fixtures.ts";
import { assertOnlyJsonRpc, assertStderrFree, type ServerRun, startWorld, textOf, until, type World } from "./harness.ts";

const ALICE = "15551230021";
const SECRET_PAGE_TEXT = "The boathouse key is under the blue pot";
const SECRET_DOCX_TEXT = "Minutes of the rowing club meeting";

type Block = { type: string; text?: string; data?: string; mimeType?: string; uri?: string };

/** Width and height of a WebP (lossy VP8, lossless VP8L or extended VP8X). */
function webpSize(b: Uint8Array): { w: number; h: number } {
  const s = (at: number, n: number) => String.fromCharCode(...b.subarray(at, at + n));
  assert.equal(s(0, 4) + s(8, 4), "RIFFWEBP", "not a WebP");
  const chunk = s(12, 4);
  if (chunk === "VP8X") return { w: 1 + (b[24]! | (b[25]! << 8) | (b[26]! << 16)), h: 1 + (b[27]! | (b[28]! << 8) | (b[29]! << 16)) };
  if (chunk === "VP8 ") return { w: (b[26]! | (b[27]! << 8)) & 0x3fff, h: (b[28]! | (b[29]! << 8)) & 0x3fff };
  const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24);
  return { w: (bits & 0x3fff) + 1, h: ((bits >> 14) & 0x3fff) + 1 };
}

describe("view_media and media resources against the WhatsApp simulator", () => {
  let w: World;
  let run: ServerRun;
  let alice: FakeContact;
  const chat = `${ALICE}@s.whatsapp.net`;
  const fx: Record<string, Uint8Array> = {};

  const view = async (id: string, args: Record<string, unknown> = {}) => {
    const r = await run.server.client.callTool({ name: "view_media", arguments: { chat_jid: chat, message_id: id, ...args } }, undefined, { timeout: 180_000 });
    assert.notEqual(r.isError, true, `view_media failed: ${textOf(r)}`);
    return { s: r.structuredContent as any, blocks: r.content as Block[] };
  };
  const images = (blocks: Block[]) => blocks.filter((b) => b.type === "image").map((b) => ({ mime: b.mimeType, bytes: Buffer.from(b.data!, "base64") }));
  const sent = async (send: Promise<{ id: string }>) => {
    const m = await send;
    await until(`message ${m.id} stored`, async () =>
      (await run.call("list_messages", { chat_jid: chat, include_context: false, limit: 50 })).messages.some((x: { id: string }) => x.id === m.id));
    return m.id;
  };

  before(async () => {
    // Fixtures made here by ffmpeg.wasm and in code: no binary files in the repository.
    const ff = new FfmpegRunner({ idleMs: 0 });
    const make = async (args: string[], out: string, inputs: Record<string, Uint8Array> = {}) =>
      (await ff.run({ args: ["-v", "error", ...args, out], inputs, outputs: [out] })).outputs[out]!;
    try {
      fx.photo = await make(["-f", "lavfi", "-i", "color=c=teal:size=2400x1800:rate=1", "-frames:v", "1", "-q:v", "6"], "photo.jpg");
      fx.video = await make(["-f", "lavfi", "-i", "testsrc=duration=6:size=320x240:rate=10", "-c:v", "libx264", "-pix_fmt", "yuv420p"], "clip.mp4");
      fx.gif = await make(["-f", "lavfi", "-i", "testsrc=duration=1:size=160x120:rate=5"], "anim.gif");
      fx.sticker = await make(["-f", "lavfi", "-i", "color=c=orange:size=512x512:rate=1", "-frames:v", "1", "-c:v", "libwebp"], "sticker.webp");
      const wav = makeWav([{ seconds: 1, freq: 440, amplitude: 0.8 }, { seconds: 1, freq: 0 }, { seconds: 1, freq: 440, amplitude: 0.8 }]);
      fx.voice = await make(["-f", "wav", "-i", "in.wav", "-c:a", "libopus", "-ac", "1", "-ar", "48000", "-f", "ogg"], "voice.ogg", { "in.wav": wav });
    } finally {
      await ff.close();
    }
    fx.pdf = makeTextPdf([["Agenda", "Boats and oars"], [SECRET_PAGE_TEXT], ["Page three"], ["Page four"]]);
    fx.docx = makeDocx([SECRET_DOCX_TEXT, "Item 1: new oars & paint"]);
    fx.csv = new TextEncoder().encode("name,boats\nAlice,2\nBob,1\n");

    w = await startWorld();
    alice = w.sim.contact(ALICE, { name: "Alice Rower" });
    run = await w.startServer();
    const qr = await until("a QR on /api/status", async () => (await run.apiStatus()).link?.qr);
    await w.sim.phone.scanQr(qr);
    await until("linked", async () => (await run.call("check_bridge_status")).connected);
  });

  after(async () => {
    if (run) {
      assertOnlyJsonRpc(run);
      assertStderrFree(run, [SECRET_PAGE_TEXT, SECRET_DOCX_TEXT, ALICE]);
    }
    await w?.close();
  });

  test("a photo: one WebP inside max_side and max_kb, the original as a resource, listed under the message", async () => {
    const id = await sent(alice.sendImage(fx.photo!, "the lake"));
    const { s, blocks } = await view(id, { max_side: 800, max_kb: 200 });
    assert.equal(s.kind, "image");
    assert.equal(s.mimetype, "image/jpeg");
    assert.equal(s.size, fx.photo!.length);
    assert.equal(s.cached, false);
    const [img, ...rest] = images(blocks);
    assert.equal(rest.length, 0);
    assert.equal(img!.mime, "image/webp");
    assert.ok(img!.bytes.length <= 200 * 1024, `over budget: ${img!.bytes.length}`);
    assert.deepEqual(webpSize(img!.bytes), { w: 800, h: 600 });

    // The resource: the exact bytes, typed from the content.
    const res = await run.server.client.readResource({ uri: s.resource_uri });
    const c = res.contents[0] as { blob: string; mimeType: string; uri: string };
    assert.equal(c.mimeType, "image/jpeg");
    assert.ok(Buffer.from(c.blob, "base64").equals(Buffer.from(fx.photo!)), "resource bytes differ from what Alice sent");

    // list_messages names the resource and links it.
    const listed = await run.server.client.callTool({ name: "list_messages", arguments: { chat_jid: chat, include_context: false } });
    const m = (listed.structuredContent as any).messages.find((x: { id: string }) => x.id === id);
    assert.equal(m.media.resource_uri, s.resource_uri);
    assert.ok((listed.content as Block[]).some((b) => b.type === "resource_link" && b.uri === s.resource_uri), "no resource_link block");

    // The second look comes from the cache in the data folder (no download, no decode).
    const again = await view(id, { max_side: 800, max_kb: 200 });
    assert.equal(again.s.cached, true);
    assert.ok(images(again.blocks)[0]!.bytes.equals(img!.bytes));
    assert.ok(readdirSync(join(w.dataDir, "media-cache")).some((n) => n.startsWith(createHash("sha256").update(fx.photo!).digest("hex"))));
  });

  test("a video: evenly spaced keyframes from the first, and its duration", async () => {
    const id = await sent(alice.sendMedia("video", fx.video!, { mimetype: "video/mp4", seconds: 6 }));
    const { s, blocks } = await view(id, { frames: 3 });
    assert.equal(s.kind, "video");
    assert.equal(s.duration_seconds, 6);
    assert.deepEqual(s.images.map((i: { at_seconds: number }) => i.at_seconds), [0, 2, 4]);
    const imgs = images(blocks);
    assert.equal(imgs.length, 3);
    for (const i of imgs) assert.deepEqual(webpSize(i.bytes), { w: 320, h: 240 });
    // testsrc moves: frames at different times differ.
    assert.ok(!imgs[0]!.bytes.equals(imgs[2]!.bytes), "the keyframes are all the same picture");
    assert.match(textOf({ content: blocks }), /video of 6\.0 s/);
  });

  test("a GIF and a sticker come back as one picture each", async () => {
    const gif = await sent(alice.sendMedia("document", fx.gif!, { mimetype: "image/gif", fileName: "anim.gif" }));
    const g = await view(gif);
    assert.equal(g.s.kind, "gif");
    assert.deepEqual(webpSize(images(g.blocks)[0]!.bytes), { w: 160, h: 120 });

    const st = await sent(alice.sendMedia("sticker", fx.sticker!, { mimetype: "image/webp" }));
    const v = await view(st);
    assert.equal(v.s.kind, "sticker");
    assert.ok(images(v.blocks)[0]!.bytes.equals(Buffer.from(fx.sticker!)), "a small sticker is shown as sent");
  });

  test("a voice note: duration and a waveform that follows the sound", async () => {
    const id = await sent(alice.sendMedia("audio", fx.voice!, { mimetype: "audio/ogg; codecs=opus", ptt: true, seconds: 3 }));
    const { s, blocks } = await view(id);
    assert.equal(s.kind, "audio");
    assert.ok(Math.abs(s.duration_seconds - 3) <= 0.1, `duration ${s.duration_seconds}`);
    const wf: number[] = s.waveform;
    assert.equal(wf.length, 64);
    // Loud, silent, loud.
    assert.ok(Math.min(...wf.slice(4, 18)) > 50 && Math.max(...wf.slice(26, 38)) < 10 && Math.min(...wf.slice(46, 60)) > 50, `waveform: ${wf}`);
    assert.equal(images(blocks).length, 0);
    assert.equal(s.transcript, null);
  });

  test("documents as text: a PDF with page numbers and a page limit, a Word file, a CSV; all inside untrusted markers", async () => {
    const pdf = await sent(alice.sendMedia("document", fx.pdf!, { mimetype: "application/pdf", fileName: "agenda.pdf" }));
    const p = await view(pdf, { pages: 2 });
    assert.equal(p.s.kind, "document");
    assert.deepEqual(p.s.pages, { total: 4, shown: 2 });
    assert.equal(p.s.truncated, true);
    const text = textOf({ content: p.blocks });
    assert.match(text, /--- page 2 of 4 ---\n.*The boathouse key is under the blue pot/s);
    assert.doesNotMatch(text, /Page three/);
    assert.ok(text.indexOf("<untrusted-whatsapp-content>") < text.indexOf(SECRET_PAGE_TEXT), "document text outside the untrusted block");

    const docx = await sent(alice.sendMedia("document", fx.docx!, { mimetype: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", fileName: "minutes.docx" }));
    assert.match(textOf({ content: (await view(docx)).blocks }), /Minutes of the rowing club meeting\nItem 1: new oars & paint/);

    const csv = await sent(alice.sendMedia("document", fx.csv!, { mimetype: "text/csv", fileName: "boats.csv" }));
    const c = await view(csv);
    assert.equal(c.s.mimetype, "text/csv");
    assert.match(textOf({ content: c.blocks }), /name,boats\nAlice,2\nBob,1/);
  });

  test("media whose bytes do not match the hash in the message is refused, and a message without media says so", async () => {
    const id = await sent(alice.sendMedia("image", fx.photo!, { mimetype: "image/jpeg", fileSha256: Buffer.alloc(32, 7) }));
    const r = await run.fail("view_media", { chat_jid: chat, message_id: id });
    assert.match(r, /does not match the hash/);
    await assert.rejects(run.server.client.readResource({ uri: `whatsapp://media/${encodeURIComponent(chat)}/${id}` }), /does not match the hash/);

    const text = await sent(alice.sendText("no media here"));
    assert.match(await run.fail("view_media", { chat_jid: chat, message_id: text }), /has no media/);
  });
});
