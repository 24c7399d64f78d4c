import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTree, worker, type Tree } from "../../supervisors/mod.ts";
import { mediaBehavior, MediaReplyError, type MediaReplies } from "../../src/media/actor.ts";
import { makeWav } from "./fixtures.ts";

describe("media actor under a real supervision tree", () => {
  let tree: Tree;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "wa-mcp-media-actor-"));
    await writeFile(join(dir, "tone.wav"), makeWav([{ seconds: 1, freq: 440 }]));
    tree = await startTree({
      strategy: "one_for_one",
      intensity: 3,
      periodMs: 60_000,
      children: [worker("media", () => mediaBehavior({ roots: [dir], runner: { idleMs: 0 } }))],
    });
  });
  after(async () => {
    await tree.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test("voice_note converts bytes and answers the ask", async () => {
    const note = await tree.registry.ask<MediaReplies["voice_note"]>("media", { type: "voice_note", bytes: makeWav([{ seconds: 1, freq: 300 }]) }, { timeoutMs: 120_000 });
    assert.equal(note.mimetype, "audio/ogg; codecs=opus");
    assert.equal(note.waveform.length, 64);
    assert.ok(Math.abs(note.durationMs - 1000) <= 100);
  });

  test("voice_note_file reads inside the roots; probe describes bytes", async () => {
    const note = await tree.registry.ask<MediaReplies["voice_note_file"]>("media", { type: "voice_note_file", path: join(dir, "tone.wav") }, { timeoutMs: 120_000 });
    assert.equal(note.fileName, "tone.wav");
    const probe = await tree.registry.ask<MediaReplies["probe"]>("media", { type: "probe", bytes: note.bytes }, { timeoutMs: 120_000 });
    assert.equal(probe.type, "ogg_opus");
    assert.deepEqual(probe.streams, [{ type: "audio", codec: "opus", sampleRate: 48000, channels: 1 }]);
    assert.ok(Math.abs(probe.durationMs! - 1000) <= 100);
  });

  test("a domain error rejects only that ask (with its code) and the actor keeps serving", async () => {
    const err = await tree.registry.ask("media", { type: "voice_note", bytes: new TextEncoder().encode("not audio") }, { timeoutMs: 120_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof MediaReplyError, String(err));
    assert.equal(err.code, "unsupported_input");
    await assert.rejects(tree.registry.ask("media", { type: "read_file", path: "/etc/passwd" }, { timeoutMs: 10_000 }), (e: unknown) => e instanceof MediaReplyError && e.code === "outside_roots");
    const restarts = tree.children().find((c) => c.id === "media")?.restarts;
    assert.equal(restarts, 0);
    const probe = await tree.registry.ask<MediaReplies["probe"]>("media", { type: "probe", bytes: makeWav([{ seconds: 0.5, freq: 300 }]) }, { timeoutMs: 120_000 });
    assert.equal(probe.type, "wav");
  });
});
