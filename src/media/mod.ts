/**
 * The media module's public API (for the MCP tools and the app wiring).
 *
 * - `MediaService`: voice notes, probing, `send_file` reads under the root policy, download names.
 * - `mediaBehavior`: the same behind the supervision kernel (messages `voice_note`, `voice_note_file`, `probe`, `read_file`).
 * - `MediaError` (`code` says why) and the pure helpers (`sniff`, `safeDownloadName`, `computeWaveform`, `parseOgg`).
 */
export { MediaService, type MediaServiceOptions } from "./service.ts";
export { mediaBehavior, MediaReplyError, type MediaActorOptions, type MediaMsg, type MediaReplies } from "./actor.ts";
export { FfmpegFailedError, MediaError, type MediaErrorCode } from "./errors.ts";
export { FfmpegRunner, realTimers, type FfmpegRunnerEvent, type FfmpegRunnerOptions, type FfmpegRunnerStats, type TimerClock } from "./ffmpeg/runner.ts";
export type { FfmpegExec, FfmpegJob, FfmpegResult } from "./ffmpeg/protocol.ts";
export { makeVoiceNote, VOICE_NOTE_MIMETYPE, type VoiceNote, type VoiceNoteOptions } from "./voice_note.ts";
export { probeMedia, type MediaProbe, type ProbedStream } from "./probe.ts";
export {
  isWithinRoot,
  MAX_SEND_BYTES,
  MAX_VOICE_SOURCE_BYTES,
  readSendableFile,
  readVoiceSourceFile,
  resolveWithinRoots,
  type SendableFile,
  type SendKind,
} from "./files.ts";
export { safeDownloadName } from "./download_name.ts";
export { sniff, type Sniffed, type SniffedType } from "./sniff.ts";
export { computeWaveform, WAVEFORM_BUCKETS } from "./waveform.ts";
export { parseOgg, type OggInfo } from "./ogg.ts";
export { extensionForMimetype } from "./mime.ts";
