import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  checkSnapshotFile,
  CHUNK_LOG2,
  chunkTableBytes,
  createChecksum,
  createChunkedChecksum,
  chunkTableWords,
  firstBadChunk,
  imageChecksum,
  parseTrailer,
  snapshotTrailer,
  TRAILER_BYTES,
} from "../../src/store/sqljs/snapshot_checksum.ts";

/** A fake "image": a whole number of 512-byte pages of varied bytes. */
function image(pages: number): Uint8Array {
  return new Uint8Array(pages * 512).map((_, i) => (i * 131 + (i >> 9)) & 0xff);
}

function withTrailer(img: Uint8Array): Uint8Array {
  const out = new Uint8Array(img.length + TRAILER_BYTES);
  out.set(img);
  out.set(snapshotTrailer(img), img.length);
  return out;
}

describe("snapshot checksum", () => {
  test("every single flipped bit of an image changes its checksum", () => {
    const img = image(2);
    const sum = imageChecksum(img);
    for (let byte = 0; byte < img.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        img[byte]! ^= 1 << bit;
        assert.notDeepEqual(imageChecksum(img), sum, `byte ${byte} bit ${bit}`);
        img[byte]! ^= 1 << bit;
      }
    }
  });

  test("checksumming in pieces gives the checksum of the whole; pieces must be multiples of 16 bytes", () => {
    const img = image(8);
    const sum = createChecksum();
    for (let at = 0; at < img.length; at += 1024) sum.update(img.subarray(at, at + 1024));
    assert.deepEqual(sum.digest(), imageChecksum(img));
    assert.throws(() => createChecksum().update(new Uint8Array(15)), RangeError);
  });

  test("the checksum is algorithm 1's, byte for byte (files written by earlier versions still verify)", () => {
    // Values from the code before the loop moved out of the closure (commit 833d95d); 1 MiB takes
    // the warm-up path of long pieces, 512 bytes does not.
    const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7 + (i >> 9)) & 255);
    const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    assert.equal(hex(imageChecksum(bytes(512))), "afc03799fe1cc24abe032ad6c07d65b0");
    assert.equal(hex(imageChecksum(bytes(1 << 20))), "74a79ee716f6ada490670d3ad71bca5b");
    const sum = createChecksum();
    const all = bytes(1 << 20);
    for (const [from, to] of [[0, 16], [16, 299_984], [299_984, all.length]] as const) sum.update(all.subarray(from, to));
    assert.equal(hex(sum.digest()), "74a79ee716f6ada490670d3ad71bca5b");
  });

  test("a file verifies, a file without trailer is unchecked, a damaged one says why", () => {
    const img = image(4);
    const file = withTrailer(img);
    assert.equal(checkSnapshotFile(file).kind, "verified");
    assert.equal(checkSnapshotFile(img).kind, "unchecked", "a bare image (the format before checksums)");
    const flipped = file.slice();
    flipped[700]! ^= 4;
    assert.equal(checkSnapshotFile(flipped).kind, "damaged");
    assert.match((checkSnapshotFile(flipped) as { reason: string }).reason, /checksum mismatch/);
    const cut = file.subarray(0, file.length - 10);
    assert.match((checkSnapshotFile(cut) as { reason: string }).reason, /does not end in a snapshot checksum/);
    const badLength = file.slice();
    badLength[img.length + 16]! ^= 1;
    assert.throws(() => parseTrailer(badLength.subarray(badLength.length - TRAILER_BYTES), badLength.length), /describes/);
  });

  test("format 2: one checksum per chunk, written piece by piece; every chunk and the table are checked", () => {
    const chunk = 2 ** CHUNK_LOG2;
    const img = image((2.5 * chunk) / 512); // two whole chunks and a half one
    const sum = createChunkedChecksum(img.length);
    for (let at = 0; at < img.length; at += 48 * 1024) sum.update(img.subarray(at, at + 48 * 1024)); // pieces across chunk ends
    const suffix = sum.suffix();
    const file = new Uint8Array(img.length + suffix.length);
    file.set(img);
    file.set(suffix, img.length);
    const trailer = parseTrailer(file.subarray(file.length - TRAILER_BYTES), file.length);
    assert.deepEqual(trailer?.chunks, { log2: CHUNK_LOG2, tableBytes: 512 });
    for (let c = 0; c < 3; c++) {
      const own = imageChecksum(img.subarray(c * chunk, (c + 1) * chunk));
      assert.deepEqual(file.subarray(img.length + 16 * c, img.length + 16 * (c + 1)), own, `chunk ${c}`);
    }
    assert.equal(checkSnapshotFile(file).kind, "verified");
    for (const at of [5, chunk + 7, 2 * chunk + 100, img.length + 20, img.length + 600 - 512, file.length - 20]) {
      const bad = file.slice();
      bad[at]! ^= 1;
      assert.equal(checkSnapshotFile(bad).kind, "damaged", `byte ${at}`);
    }
    const second = file.slice();
    second[chunk + 3]! ^= 0x10;
    assert.match((checkSnapshotFile(second) as { reason: string }).reason, new RegExp(`checksum mismatch.*\\(bytes ${chunk}-`));
  });

  test("format 2 is written in 4 KiB chunks; files with 64 KiB chunks (written before) are read with their own table", () => {
    assert.equal(CHUNK_LOG2, 12, "one SQLite page per checksum");
    const img = image((3 * 65536 + 8192) / 512); // three whole 64 KiB chunks and part of one
    for (const log2 of [12, 16]) {
      const size = 2 ** log2;
      const sum = createChunkedChecksum(img.length, log2);
      for (let at = 0; at < img.length; at += 48 * 1024 + 16) sum.update(img.subarray(at, at + 48 * 1024 + 16)); // pieces across chunk ends
      const suffix = sum.suffix();
      const file = new Uint8Array(img.length + suffix.length);
      file.set(img);
      file.set(suffix, img.length);
      const trailer = parseTrailer(file.subarray(file.length - TRAILER_BYTES), file.length);
      assert.deepEqual(trailer?.chunks, { log2, tableBytes: chunkTableBytes(img.length, log2) });
      for (let c = 0; c * size < img.length; c++) {
        const own = imageChecksum(img.subarray(c * size, (c + 1) * size));
        assert.deepEqual(file.subarray(img.length + 16 * c, img.length + 16 * (c + 1)), own, `${size}: chunk ${c}`);
      }
      assert.equal(checkSnapshotFile(file).kind, "verified", `${size}-byte chunks verify`);
      const words = chunkTableWords(suffix.subarray(0, trailer!.chunks!.tableBytes));
      assert.equal(firstBadChunk(words, 0, img, log2), -1);
      assert.equal(firstBadChunk(words, 1, img.subarray(size, 3 * size), log2), -1, "a run from the second chunk");
      for (const at of [size + 7, img.length - 16]) {
        const bad = file.slice();
        bad[at]! ^= 4;
        const c = Math.floor(at / size);
        assert.match((checkSnapshotFile(bad) as { reason: string }).reason, new RegExp(`\\(bytes ${c * size}-${(c + 1) * size - 1} of`));
        assert.equal(firstBadChunk(words, 0, bad.subarray(0, img.length), log2), c, `${size}: byte ${at}`);
      }
    }
  });

  test("format 2: a file is never a whole number of 512-byte units (it would read as a bare image)", () => {
    for (let chunks = 1; chunks < 200; chunks++) {
      const length = chunks * 2 ** CHUNK_LOG2;
      assert.equal((length + chunkTableBytes(length) + TRAILER_BYTES) % 512, TRAILER_BYTES);
    }
  });
});

