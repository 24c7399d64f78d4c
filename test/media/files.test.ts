import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isWithinRoot, MAX_SEND_BYTES, readSendableFile, readVoiceSourceFile } from "../../src/media/files.ts";
import { MediaError } from "../../src/media/errors.ts";
import { makeWav } from "./fixtures.ts";

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
const WEBP = new Uint8Array([...new TextEncoder().encode("RIFF"), 0, 0, 0, 0, ...new TextEncoder().encode("WEBPVP8 ")]);
const PDF = new TextEncoder().encode("%PDF-1.4\n1 0 obj\n<<>>\nendobj\n");
const code = (c: string) => (e: unknown) => e instanceof MediaError && e.code === c;

describe("send_file path policy", () => {
  let base: string;
  let root: string;
  let outside: string;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), "wa-mcp-files-"));
    root = join(base, "root");
    outside = join(base, "outside");
    await mkdir(join(root, "sub"), { recursive: true });
    await mkdir(outside);
    await writeFile(join(root, "photo.png"), PNG);
    await writeFile(join(root, "sub", "report.pdf"), PDF);
    await writeFile(join(root, "looks-like.jpg"), PDF); // the name lies
    await writeFile(join(root, "notes.csv"), "a,b\n1,2\n");
    await writeFile(join(root, "sticker.webp"), WEBP);
    await writeFile(join(root, "tone.wav"), makeWav([{ seconds: 0.1, freq: 440 }]));
    await writeFile(join(outside, "secret.txt"), "top secret\n");
    await symlink(join(outside, "secret.txt"), join(root, "innocent.txt"));
    await symlink(outside, join(root, "linked-dir"));
    await symlink(join(root, "photo.png"), join(root, "alias.png"));
    await symlink(root, join(base, "root-link"));
    // Oversized files, sparse: the cap is checked before anything is read.
    await writeFile(join(root, "huge.png"), PNG);
    await truncate(join(root, "huge.png"), MAX_SEND_BYTES.image + 1);
    await writeFile(join(root, "huge.pdf"), PDF);
    await truncate(join(root, "huge.pdf"), MAX_SEND_BYTES.document + 1);
    await writeFile(join(root, "big-but-ok.pdf"), PDF);
    await truncate(join(root, "big-but-ok.pdf"), MAX_SEND_BYTES.image + 1);
  });
  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  test("a file inside a root is read, with kind and MIME type from its content", async () => {
    const f = await readSendableFile(join(root, "photo.png"), [root]);
    assert.equal(f.kind, "image");
    assert.equal(f.mimetype, "image/png");
    assert.equal(f.fileName, "photo.png");
    assert.deepEqual(f.bytes, PNG);
    const doc = await readSendableFile(join(root, "sub", "report.pdf"), [root]);
    assert.equal(doc.kind, "document");
    assert.equal(doc.mimetype, "application/pdf");
  });

  test("the kind follows the bytes, not the name; text documents get a type from a known extension", async () => {
    const f = await readSendableFile(join(root, "looks-like.jpg"), [root]);
    assert.equal(f.kind, "document");
    assert.equal(f.mimetype, "application/pdf");
    const csv = await readSendableFile(join(root, "notes.csv"), [root]);
    assert.equal(csv.kind, "document");
    assert.equal(csv.mimetype, "text/csv");
  });

  test("a relative path is taken inside the first root; a symlink that stays inside is fine", async () => {
    assert.equal((await readSendableFile("sub/report.pdf", [root])).mimetype, "application/pdf");
    assert.equal((await readSendableFile(join(root, "alias.png"), [root])).kind, "image");
  });

  test("a root given through a symlink still allows its files", async () => {
    assert.equal((await readSendableFile(join(base, "root-link", "photo.png"), [join(base, "root-link")])).kind, "image");
    assert.equal((await readSendableFile(join(root, "photo.png"), [join(base, "root-link")])).kind, "image");
  });

  test("files outside the roots are refused, naming the allowed roots", async () => {
    const err = await readSendableFile(join(outside, "secret.txt"), [root]).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof MediaError && err.code === "outside_roots", String(err));
    assert.ok(err.message.includes(root), err.message);
  });

  test("a symlink inside a root pointing outside is refused (file and folder links)", async () => {
    await assert.rejects(readSendableFile(join(root, "innocent.txt"), [root]), code("outside_roots"));
    await assert.rejects(readSendableFile(join(root, "linked-dir", "secret.txt"), [root]), code("outside_roots"));
  });

  test("'..' traversal out of a root is refused", async () => {
    await assert.rejects(readSendableFile(join(root, "..", "outside", "secret.txt"), [root]), code("outside_roots"));
    await assert.rejects(readSendableFile("../outside/secret.txt", [root]), code("outside_roots"));
  });

  test("a missing file inside a root is not_found; a missing one outside is outside_roots (no existence oracle)", async () => {
    await assert.rejects(readSendableFile(join(root, "nope.pdf"), [root]), code("not_found"));
    await assert.rejects(readSendableFile(join(outside, "nope.pdf"), [root]), code("outside_roots"));
  });

  test("a folder is not a file", async () => {
    await assert.rejects(readSendableFile(join(root, "sub"), [root]), code("not_found"));
  });

  test("no roots configured means nothing can be sent", async () => {
    await assert.rejects(readSendableFile(join(root, "photo.png"), []), code("outside_roots"));
  });

  test("oversized files are refused by the cap of their kind", async () => {
    const img = await readSendableFile(join(root, "huge.png"), [root]).then(() => undefined, (e: unknown) => e);
    assert.ok(img instanceof MediaError && img.code === "too_large", String(img));
    assert.match(img.message, /16\.0 MB/);
    await assert.rejects(readSendableFile(join(root, "huge.pdf"), [root]), code("too_large"));
    // Over the image cap but a document: allowed.
    assert.equal((await readSendableFile(join(root, "big-but-ok.pdf"), [root])).bytes.length, MAX_SEND_BYTES.image + 1);
  });

  test("stickers must be WebP", async () => {
    assert.equal((await readSendableFile(join(root, "sticker.webp"), [root], { asSticker: true })).kind, "sticker");
    await assert.rejects(readSendableFile(join(root, "photo.png"), [root], { asSticker: true }), code("unsupported_input"));
  });

  test("voice-note sources follow the same root policy", async () => {
    assert.ok((await readVoiceSourceFile(join(root, "tone.wav"), [root])).bytes.length > 44);
    await assert.rejects(readVoiceSourceFile(join(root, "innocent.txt"), [root]), code("outside_roots"));
  });
});

describe("root containment (pure)", () => {
  test("posix: inside, equal, sibling-prefix and root '/'", () => {
    assert.equal(isWithinRoot("/home/me/docs/a.pdf", "/home/me/docs", "posix"), true);
    assert.equal(isWithinRoot("/home/me/docs", "/home/me/docs/", "posix"), true);
    assert.equal(isWithinRoot("/home/me/docs2/a.pdf", "/home/me/docs", "posix"), false);
    assert.equal(isWithinRoot("/etc/passwd", "/", "posix"), true);
    assert.equal(isWithinRoot("/home/me/Docs/a", "/home/me/docs", "posix"), false);
  });
  test("windows: case-insensitive, either separator, drive roots", () => {
    assert.equal(isWithinRoot("C:\\Users\\Me\\Docs\\a.pdf", "c:\\users\\me\\docs", "win32"), true);
    assert.equal(isWithinRoot("C:/Users/Me/Docs/a.pdf", "C:\\Users\\Me\\Docs\\", "win32"), true);
    assert.equal(isWithinRoot("C:\\Users\\Me\\Docs2\\a.pdf", "C:\\Users\\Me\\Docs", "win32"), false);
    assert.equal(isWithinRoot("D:\\Users\\Me\\Docs\\a.pdf", "C:\\Users\\Me\\Docs", "win32"), false);
    assert.equal(isWithinRoot("C:\\anything", "C:\\", "win32"), true);
  });
});
