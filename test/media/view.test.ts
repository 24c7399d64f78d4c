/**
 * view_media's parts: the pure planning (keyframe times, byte budget, page cuts, Word XML), the
 * ZIP reader's bomb cap, the view cache on a real folder, and the renderer on the real
 * ffmpeg.wasm worker, including a PDF job that overruns its time limit without hurting the next.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { folderViewCache } from "../../src/app/view_cache.ts";
import { FfmpegRunner } from "../../src/media/ffmpeg/runner.ts";
import { MediaService } from "../../src/media/service.ts";
import { cutText, formatPages } from "../../src/media/view/document.ts";
import { readZipFile, wordXmlToText } from "../../src/media/view/docx.ts";
import { bestFit, keyframeTimes, webpLadderArgs } from "../../src/media/view/image_args.ts";
import { makeStoredZip, makeTextPdf } from "../../src/media/view/sample_files.ts";
import { VIEW_DEFAULTS } from "../../src/media/view/types.ts";
import { nodeFs } from "../../src/runtime/fs.ts";

describe("view planning (pure)", () => {
  test("keyframeTimes: the first frame, then evenly spaced; one frame when the duration is unknown", () => {
    assert.deepEqual(keyframeTimes(60, 3), [0, 20, 40]);
    assert.deepEqual(keyframeTimes(6, 4), [0, 1.5, 3, 4.5]);
    assert.deepEqual(keyframeTimes(undefined, 3), [0]);
    assert.deepEqual(keyframeTimes(10, 1), [0]);
  });

  test("bestFit picks the best quality under the budget, or none", () => {
    assert.equal(bestFit([900, 500, 200], 600), 1);
    assert.equal(bestFit([900, 500, 200], 100), -1);
    assert.equal(bestFit([0, 500], 600), 1, "an empty output never fits");
  });

  test("webpLadderArgs seeks before the input, drops metadata, caps decoder pixels and never enlarges", () => {
    const a = webpLadderArgs({ demuxer: "mov", seekSec: 2.5 }, 800);
    assert.ok(a.indexOf("-ss") < a.indexOf("-i"));
    assert.equal(a[a.indexOf("-ss") + 1], "2.500");
    assert.ok(a.includes("-map_metadata") && a.includes("-max_pixels"));
    assert.match(a[a.indexOf("-filter_complex") + 1]!, /min\(iw,800\).*force_original_aspect_ratio=decrease/);
  });

  test("formatPages marks pages and says what was left out", () => {
    const f = formatPages(["one", "two"], 5);
    assert.equal(f.shown, 2);
    assert.equal(f.truncated, true);
    assert.match(f.text, /--- page 1 of 5 ---\none\n--- page 2 of 5 ---\ntwo/);
    assert.match(f.text, /pages 3-5 not read/);
    const cut = formatPages(["a".repeat(100), "b".repeat(100)], 2, 150);
    assert.equal(cut.shown, 1);
    assert.match(cut.text, /cut at 150 characters: pages 2-2 not shown/);
    assert.equal(cutText("abc", 10).truncated, false);
    assert.match(cutText("abcdef", 3).text, /^abc\n\[cut at 3 of 6 characters\]$/);
  });

  test("wordXmlToText keeps paragraphs, tabs, breaks and entities", () => {
    const xml = '<w:body><w:p><w:r><w:t>Tom &amp; Jerry</w:t><w:tab/><w:t xml:space="preserve"> x&#228;</w:t></w:r></w:p>' +
      "<w:p><w:r><w:t>line</w:t><w:br/><w:t>next</w:t></w:r></w:p></w:body>";
    assert.equal(wordXmlToText(xml), "Tom & Jerry\t xä\nline\nnext");
  });
});

describe("ZIP reading", () => {
  test("reads a stored file and refuses one larger than the cap", async () => {
    const zip = makeStoredZip({ "a.txt": new TextEncoder().encode("hello"), "big.bin": new Uint8Array(5000) });
    assert.equal(new TextDecoder().decode((await readZipFile(zip, "a.txt", 100))!), "hello");
    assert.equal(await readZipFile(zip, "missing", 100), null);
    await assert.rejects(readZipFile(zip, "big.bin", 1000), /larger than/);
  });

  test("a deflated entry that unpacks past the cap stops at the cap (ZIP bomb)", async () => {
    // 4 MB of zeros deflates to a few KB.
    const raw = new Uint8Array(await new Response(new Blob([new Uint8Array(4 * 1024 * 1024)]).stream().pipeThrough(new CompressionStream("deflate-raw"))).arrayBuffer());
    const zip = makeStoredZip({ "word/document.xml": raw });
    // Mark the entry as deflated (method 8) in the local and central headers.
    const dv = new DataView(zip.buffer);
    dv.setUint16(8, 8, true);
    const central = zip.length - 22 - (46 + "word/document.xml".length);
    dv.setUint16(central + 10, 8, true);
    await assert.rejects(readZipFile(zip, "word/document.xml", 1024 * 1024), /larger than 1 MB/);
    assert.equal((await readZipFile(zip, "word/document.xml", 8 * 1024 * 1024))!.length, 4 * 1024 * 1024);
  });
});

describe("view cache", () => {
  test("keeps a rendering by key in a private folder; unknown and malformed keys miss", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "wa-view-cache-")), "media-cache");
    try {
      const cache = folderViewCache(dir, nodeFs);
      const key = `${"ab".repeat(32)}.s1568`;
      assert.equal(await cache.get(key), null);
      const view = { kind: "image" as const, mimetype: "image/png", sizeBytes: 10, images: [{ mimeType: "image/webp" as const, data: new Uint8Array([1, 2, 3]) }], notes: [] };
      await cache.put(key, view);
      assert.deepEqual(await cache.get(key), view);
      assert.equal(await cache.get("../../etc/passwd"), null);
      if (process.platform !== "win32") {
        assert.equal(statSync(dir).mode & 0o777, 0o700);
        assert.equal(statSync(join(dir, `${key}.json`)).mode & 0o777, 0o600);
      }
    } finally {
      rmSync(join(dir, ".."), { recursive: true, force: true });
    }
  });
});

describe("the renderer on the real media worker", () => {
  test("a PDF's text comes back by page; a job past its time limit fails alone and the next one works", async () => {
    const runner = new FfmpegRunner({ idleMs: 0 });
    const svc = new MediaService({ roots: [], ffmpeg: runner });
    try {
      const pages = Array.from({ length: 30 }, (_, p) => Array.from({ length: 30 }, (_, l) => `page ${p + 1} line ${l + 1}`));
      const pdf = makeTextPdf(pages);
      await assert.rejects(runner.pdfText(pdf, { maxPages: 30, timeoutMs: 1 }), (e: Error & { code?: string }) => e.code === "timeout");
      const v = await svc.view(pdf, {}, { ...VIEW_DEFAULTS, pages: 3 });
      assert.deepEqual(v.pages, { total: 30, shown: 3 });
      assert.match(v.text!, /--- page 3 of 30 ---\npage 3 line 1\npage 3 line 2/);
      assert.ok(runner.stats().timeouts >= 1);
    } finally {
      await runner.close();
    }
  });

  test("bytes that are no PDF, and an unsupported type, are refused with a reason", async () => {
    const runner = new FfmpegRunner({ idleMs: 0 });
    const svc = new MediaService({ roots: [], ffmpeg: runner });
    try {
      const broken = new TextEncoder().encode("%PDF-1.4\nthis is not really a pdf\n%%EOF\n");
      await assert.rejects(svc.view(broken, {}, VIEW_DEFAULTS), /Cannot read this PDF/);
      const xlsx = makeStoredZip({ "xl/workbook.xml": new Uint8Array(10) });
      await assert.rejects(svc.view(xlsx, {}, VIEW_DEFAULTS), /use download_media/);
      await assert.rejects(svc.view(new Uint8Array(), {}, VIEW_DEFAULTS), /empty/);
    } finally {
      await runner.close();
    }
  });
});
