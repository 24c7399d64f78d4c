/**
 * Child of empty_cwd.test.ts: makes a voice note with the real ffmpeg Worker from whatever working
 * directory it is started in, and prints where the core was found and the note's duration.
 */
import process from "node:process";
import { MediaService } from "../../src/media/service.ts";
import { locateWasm } from "../../wasm/locate.ts";
import { makeWav } from "../media/fixtures.ts";

const media = new MediaService({ roots: [] });
try {
  const note = await media.voiceNote(makeWav([{ seconds: 1, freq: 440 }]));
  const core = await locateWasm("ffmpeg-core");
  console.log(JSON.stringify({ seconds: note.seconds, bytes: note.bytes.length, wasmPath: core.wasmPath, cwd: process.cwd() }));
} finally {
  await media.close();
}
