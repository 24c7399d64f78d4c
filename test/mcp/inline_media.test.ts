import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { inlineContent, MAX_INLINE_BYTES } from "../../src/mcp/inline_media.ts";

function oggOpusPage(): Uint8Array {
  // Minimal first Ogg page: "OggS" header with one segment holding "OpusHead".
  const head = new Uint8Array(27 + 1 + 19);
  head.set([0x4f, 0x67, 0x67, 0x53], 0);
  head[26] = 1;
  head[27] = 19;
  head.set(new TextEncoder().encode("OpusHead"), 28);
  return head;
}

describe("inlineContent", () => {
  test("a small JPEG becomes image content, typed from its bytes", () => {
    assert.deepEqual(inlineContent(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])), { type: "image", data: "/9j/4A==", mimeType: "image/jpeg" });
  });
  test("ogg/opus becomes audio content without its codec parameter", () => {
    const c = inlineContent(oggOpusPage());
    assert.equal(c?.type, "audio");
    assert.equal(c?.mimeType, "audio/ogg");
  });
  test("documents, unknown bytes and anything over the cap stay out", () => {
    assert.equal(inlineContent(new TextEncoder().encode("%PDF-1.7\n...")), null);
    assert.equal(inlineContent(new Uint8Array([1, 2, 3, 4])), null);
    assert.equal(inlineContent(new Uint8Array(0)), null);
    const big = new Uint8Array(MAX_INLINE_BYTES + 1);
    big.set([0xff, 0xd8, 0xff, 0xe0]);
    assert.equal(inlineContent(big), null);
  });
});
