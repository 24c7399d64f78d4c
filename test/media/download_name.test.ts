import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { cleanStem, safeDownloadName } from "../../src/media/download_name.ts";
import { extensionForMimetype } from "../../src/media/mime.ts";

const CHAT = "12025550123@s.whatsapp.net";
// What a safe name looks like: one segment, no separators, no leading dot, sane characters, short.
const SAFE = /^[^\\/\u0000-\u001f<>:"|?*.][^\\/\u0000-\u001f<>:"|?*]*\.[a-z0-9]+$/u;

describe("safe download names", () => {
  test("path traversal and separators in the sender's name never reach the file name", () => {
    for (const evil of ["../../etc/passwd", "..\\..\\Windows\\System32\\evil.dll", "/abs/path.pdf", "C:\\Users\\x\\a.pdf", "....//....//x", ".."]) {
      const name = safeDownloadName(CHAT, "3EB0ABC", "application/pdf", evil);
      assert.match(name, SAFE, name);
      assert.ok(!name.includes(".."), name);
      assert.ok(name.endsWith(".pdf"), name);
    }
  });

  test("control characters, bidi overrides and Windows-forbidden characters are removed", () => {
    const name = safeDownloadName(CHAT, "ID1", "application/pdf", "inv\u0000oice\u202Efdp.exe\r\n<x>|y?.pdf");
    assert.match(name, SAFE, name);
    assert.ok(!/[\u0000-\u001f\u202e<>|?]/.test(name), name);
  });

  test("reserved Windows device names are defused", () => {
    for (const dev of ["CON", "con.txt", "NUL", "com1.pdf", "LPT9", "aux .txt"]) {
      const stem = safeDownloadName(CHAT, "ID", "text/plain", dev).split("_")[0];
      assert.ok(!/^(con|nul|com1|lpt9|aux)$/i.test(stem!), `${dev} -> ${stem}`);
    }
  });

  test("long names are cut to a bounded length without splitting characters", () => {
    const name = safeDownloadName(CHAT, "ID", "image/jpeg", "😀".repeat(300) + ".jpg");
    assert.ok(new TextEncoder().encode(name).length <= 120, `${name.length}`);
    assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(name), "no lone surrogate");
  });

  test("the same (chat, message) gives the same name; another message or chat another name", () => {
    const a = safeDownloadName(CHAT, "ID1", "image/jpeg", "photo.jpg");
    assert.equal(safeDownloadName(CHAT, "ID1", "image/jpeg", "photo.jpg"), a);
    assert.notEqual(safeDownloadName(CHAT, "ID2", "image/jpeg", "photo.jpg"), a);
    assert.notEqual(safeDownloadName("120363000000000000@g.us", "ID1", "image/jpeg", "photo.jpg"), a);
    // Many messages with the same sender name: all distinct.
    const names = new Set(Array.from({ length: 2000 }, (_, i) => safeDownloadName(CHAT, `ID${i}`, "image/jpeg", "photo.jpg")));
    assert.equal(names.size, 2000);
  });

  test("the extension comes from the MIME type, not the sender's name, and the chat JID is not in the name", () => {
    const name = safeDownloadName(CHAT, "ID", "image/png", "totally-a-document.exe");
    assert.ok(name.endsWith(".png"), name);
    assert.ok(!name.includes(".exe"));
    assert.ok(!name.includes("12025550123"));
    assert.ok(safeDownloadName(CHAT, "ID", "audio/ogg; codecs=opus").endsWith(".ogg"));
    assert.ok(safeDownloadName(CHAT, "ID", "application/x-unheard-of").endsWith(".bin"));
  });

  test("without a usable sender name the kind is the stem", () => {
    assert.match(safeDownloadName(CHAT, "ID", "image/jpeg"), /^image_[0-9a-f]{16}\.jpg$/);
    assert.match(safeDownloadName(CHAT, "ID", "application/pdf", "../.."), /^document_[0-9a-f]{16}\.pdf$/);
    assert.match(safeDownloadName(CHAT, "ID", "video/mp4", "\u202e\u0000"), /^video_[0-9a-f]{16}\.mp4$/);
  });

  test("cleanStem keeps ordinary names readable", () => {
    assert.equal(cleanStem("Quarterly report (final).docx"), "Quarterly report (final)");
    assert.equal(cleanStem("Grüße aus Köln.pdf"), "Grüße aus Köln");
    assert.equal(extensionForMimetype("application/vnd.openxmlformats-officedocument.wordprocessingml.document"), "docx");
  });
});
