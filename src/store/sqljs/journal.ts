/**
 * The journal file: append framed records, make them durable, read them back in order,
 * cut a bad tail, and drop the prefix a snapshot covers. I/O through the `FsPort`; the
 * framing itself is in `journal_format.ts`.
 */
import type { FsFile, FsPort } from "../../runtime/fs.ts";
import { isWindows, renameWithRetry, unlinkWithRetry } from "../../runtime/fs.ts";
import { damagedCompleteRecord, findRecordAfter, type JournalRecord, parseFrame } from "./journal_format.ts";

/** What reading a journal found. Offsets are bytes from the start of the file. */
export interface JournalScan {
  /** End of the last good record: where the next append goes. */
  end: number;
  /** Bytes in the file. */
  size: number;
  /** Good records read. */
  entries: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /**
   * null: clean. "torn": a short record or never-written bytes at the end, with nothing valid
   * after it (a crash mid-append): safe to cut at `end`. "corrupt": damage followed by valid
   * records, a complete record that fails its checksum (even the last), or records out of
   * sequence: never cut silently.
   */
  problem: null | { kind: "torn" | "corrupt"; offset: number; reason: string };
}

/** An open journal positioned for appends. */
export interface Journal {
  readonly path: string;
  /** Bytes in the file (all good records). */
  readonly size: number;
  /** Records in the file. */
  readonly entries: number;
  /** Writes framed records at the end (not yet durable). On failure the tail is undefined: call `truncate`. */
  append(frames: Uint8Array, count: number): Promise<void>;
  /** fdatasync. */
  sync(): Promise<void>;
  /** Cuts the file back to `size` bytes holding `entries` records, durably. */
  truncate(size: number, entries: number): Promise<void>;
  /**
   * Removes the first `cut` bytes (`cutEntries` records) that a durable snapshot covers. When
   * records follow the cut they are copied to a temp file that replaces the journal by an atomic
   * rename, so a crash at any point leaves either the old journal (whose covered records replay
   * skips) or the new one.
   */
  dropPrefix(cut: number, cutEntries: number): Promise<void>;
  close(): Promise<void>;
}

/** Where the journal lives and how to pause between rename retries. */
export interface JournalEnv {
  fs: FsPort;
  path: string;
  dir: string;
  /** Temp name for a prefix drop, in the same folder. */
  tempPath: string;
  sleep: (ms: number) => Promise<void>;
}

const CHUNK = 4 * 1024 * 1024;

/**
 * Reads every good record of an open journal in order, calling `onRecord` (which may throw to
 * abort). Records must have consecutive seqs. Stops at the first problem and classifies it.
 * A record's payload is a view into a buffer the scan never writes again (each read fills a new
 * one), so it stays valid after `onRecord` returns (a replay keeps views of it: durable_recover.ts).
 */
export async function scanJournal(
  fs: FsPort,
  file: FsFile,
  onRecord: (rec: JournalRecord) => void,
): Promise<JournalScan> {
  const size = (await fs.fstat(file)).size;
  let bufStart = 0; // file offset of buf[0]
  let buf: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  let at = 0; // offset in buf
  let entries = 0;
  let firstSeq: number | null = null;
  let lastSeq: number | null = null;
  const result = (problem: JournalScan["problem"]): JournalScan => ({
    end: bufStart + at,
    size,
    entries,
    firstSeq,
    lastSeq,
    problem,
  });

  for (;;) {
    if (bufStart + at === size) return result(null);
    let f = parseFrame(buf, at);
    if (f.kind === "need" && bufStart + at + f.bytes > size) {
      // A length pointing past the end is a torn append, or a damaged length with records after it.
      f = { kind: "bad", reason: "record runs past the end of the journal" };
    }
    if (f.kind === "need") {
      // Refill: keep the unread bytes, read at least what the frame needs.
      const keep = buf.subarray(at);
      const want = Math.min(size - (bufStart + at), Math.max(CHUNK, f.bytes));
      const next = new Uint8Array(want);
      next.set(keep);
      await readFully(fs, file, next.subarray(keep.length), bufStart + at + keep.length);
      bufStart += at;
      buf = next;
      at = 0;
      continue;
    }
    if (f.kind === "bad") {
      const rest = new Uint8Array(size - (bufStart + at));
      await readFully(fs, file, rest, bufStart + at);
      const later = findRecordAfter(rest, 1, lastSeq ?? 0);
      if (later !== null) {
        return result({ kind: "corrupt", offset: bufStart + at, reason: `${f.reason}; valid records follow at offset ${bufStart + at + later}` });
      }
      const damaged = damagedCompleteRecord(rest);
      if (damaged !== null) return result({ kind: "corrupt", offset: bufStart + at, reason: `${damaged}, the last one of the journal` });
      return result({ kind: "torn", offset: bufStart + at, reason: f.reason });
    }
    if (lastSeq !== null && f.seq !== lastSeq + 1) {
      return result({ kind: "corrupt", offset: bufStart + at, reason: `record seq ${f.seq} follows seq ${lastSeq}` });
    }
    onRecord({ seq: f.seq, payload: f.payload });
    entries++;
    firstSeq ??= f.seq;
    lastSeq = f.seq;
    at = f.end;
  }
}

async function readFully(fs: FsPort, file: FsFile, into: Uint8Array, position: number): Promise<void> {
  let off = 0;
  while (off < into.length) {
    const n = await fs.read(file, into.subarray(off), position + off);
    if (n <= 0) throw Object.assign(new Error(`unexpected end of ${file.path}`), { code: "EIO" });
    off += n;
  }
}

/** Wraps an open journal file whose good content is `size` bytes / `entries` records. */
export function journalOver(env: JournalEnv, opened: FsFile, size: number, entries: number): Journal {
  const { fs } = env;
  let file = opened;
  let curSize = size;
  let curEntries = entries;

  return {
    path: env.path,
    get size() {
      return curSize;
    },
    get entries() {
      return curEntries;
    },
    async append(frames, count) {
      await fs.write(file, frames, curSize);
      curSize += frames.length;
      curEntries += count;
    },
    sync: () => fs.fsync(file),
    async truncate(newSize, newEntries) {
      await fs.truncate(file, newSize);
      await fs.fsync(file);
      curSize = newSize;
      curEntries = newEntries;
    },
    async dropPrefix(cut, cutEntries) {
      if (cut <= 0) return;
      if (cut >= curSize) {
        // Nothing after the cut: emptying in place is atomic enough (either length is fine to replay).
        await fs.truncate(file, 0);
        await fs.fsync(file);
        curSize = 0;
        curEntries = 0;
        return;
      }
      const rest = new Uint8Array(curSize - cut);
      await readFully(fs, file, rest, cut);
      const tmp = await fs.open(env.tempPath, "w+", 0o600);
      try {
        await fs.write(tmp, rest, 0);
        await fs.fsync(tmp);
      } catch (err) {
        await fs.close(tmp).catch(() => {});
        await unlinkWithRetry(fs, env.tempPath, env.sleep).catch(() => {});
        throw err;
      }
      // Windows cannot rename over a file we hold open; POSIX can, and keeping it open until the
      // rename succeeded means a failed rename leaves everything as it was.
      if (isWindows) await fs.close(file);
      try {
        await renameWithRetry(fs, env.tempPath, env.path, env.sleep);
      } catch (err) {
        await fs.close(tmp).catch(() => {});
        await unlinkWithRetry(fs, env.tempPath, env.sleep).catch(() => {});
        if (isWindows) file = await fs.open(env.path, "r+", 0o600);
        throw err;
      }
      if (!isWindows) await fs.close(file).catch(() => {});
      file = tmp; // the same file, now under the journal's name
      curSize = rest.length;
      curEntries -= cutEntries;
      await fs.fsyncDir(env.dir);
    },
    close: () => fs.close(file),
  };
}
