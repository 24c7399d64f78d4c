/**
 * The media actor defers its replies: while a voice-note conversion runs (held open at the
 * `FfmpegExec` seam, then handed to the REAL runner), a `read_file` and a document `probe` are
 * answered, and the conversion's result still reaches the asker that asked for it.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createManualClock, startTree, worker } from "../../supervisors/mod.ts";
import { mediaBehavior, type MediaReplies } from "../../src/media/actor.ts";
import { FfmpegRunner } from "../../src/media/ffmpeg/runner.ts";
import type { FfmpegJob } from "../../src/media/ffmpeg/protocol.ts";
import { MediaService } from "../../src/media/service.ts";
import { makeWav } from "./fixtures.ts";

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
};

const PDF = new TextEncoder().encode("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

describe("media actor: a conversion does not block the mailbox", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "wa-mcp-media-defer-"));
    await writeFile(join(dir, "notes.pdf"), PDF);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("read_file and a document probe are answered while a voice note converts; the note answers its asker", async () => {
    const real = new FfmpegRunner({ idleMs: 0 });
    const started: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // The conversion is held before it reaches the runner, then runs for real.
    const ffmpeg = {
      async run(job: FfmpegJob) {
        started.push(job.tool ?? "ffmpeg");
        await held;
        return real.run(job);
      },
      close: () => real.close(),
    };
    const clock = createManualClock(1_000_000);
    const tree = await startTree({
      strategy: "one_for_one",
      intensity: 3,
      periodMs: 60_000,
      children: [worker("media", () => mediaBehavior({ roots: [dir], createService: ({ roots }) => new MediaService({ roots, ffmpeg }) }))],
    }, { clock });
    try {
      const note = tree.registry.ask<MediaReplies["voice_note"]>("media", { type: "voice_note", bytes: makeWav([{ seconds: 1, freq: 300 }]), fileName: "memo.wav" }, { timeoutMs: 180_000 });
      let noteSettled = false;
      note.then(() => (noteSettled = true), () => (noteSettled = true));
      await settle();
      assert.deepEqual(started, ["ffmpeg"], "the conversion is running");
      // Given a conversion in flight, when a file is read and a PDF probed, then both answer.
      // (Real file I/O does not fit the manual clock: were the mailbox blocked, these awaits would
      // never settle and the runtime fails the test once nothing else is left to run.)
      const file = tree.registry.ask<MediaReplies["read_file"]>("media", { type: "read_file", path: join(dir, "notes.pdf") }, { timeoutMs: 10_000 });
      const probe = tree.registry.ask<MediaReplies["probe"]>("media", { type: "probe", bytes: PDF }, { timeoutMs: 10_000 });
      const f = await file;
      assert.equal(f.fileName, "notes.pdf");
      assert.equal(f.mimetype, "application/pdf");
      assert.equal((await probe).type, "pdf");
      assert.equal(noteSettled, false, "the conversion is still held");
      assert.deepEqual(started, ["ffmpeg"], "neither needed ffmpeg");
      release();
      const n = await note;
      assert.equal(n.fileName, "memo.wav");
      assert.equal(n.mimetype, "audio/ogg; codecs=opus");
      assert.ok(Math.abs(n.durationMs - 1000) <= 100, String(n.durationMs));
    } finally {
      await tree.stop();
    }
  });
});
