/**
 * Speech to text for voice notes, behind one small interface: `MediaService` takes an engine
 * (`transcriber`), and view_media then adds a transcript to audio. No engine ships: every
 * local option found is native (whisper.cpp/ONNX Runtime bindings) or needs model weights
 * fetched from outside the npm registry at run time (see the README, "Media a model can see").
 */

/** A local speech-to-text engine. */
export interface Transcriber {
  /** Engine name, for logs and results. */
  readonly name: string;
  /** Text of mono PCM (`samples` at `rate` Hz). Throws when it cannot. */
  transcribe(samples: Int16Array, rate: number, opts?: { signal?: AbortSignal }): Promise<string>;
}
