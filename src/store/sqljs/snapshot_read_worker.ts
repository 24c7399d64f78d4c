/**
 * The worker that reads and checksums a snapshot file (`readSnapshotFile`) off the main thread,
 * so that the owner's modules load meanwhile on the main thread (see snapshot_prefetch.ts). It
 * answers one `{ path }` with the file's buffer, moved (not copied) to the parent, and exits.
 * A format-2 file is answered before it is read (its chunk table only: the parent reads chunks as
 * it needs them, snapshot_lazy.ts); a large one the worker then reads whole once, only to check
 * it (keeping nothing), says whether a chunk was damaged, and exits.
 */
import { connectToParent } from "../../runtime/worker.ts";
import { nodeFs } from "../../runtime/fs.ts";
import { readSnapshotFile } from "./snapshot.ts";
import { fillChunks, LAZY_FROM_BYTES, shareOf } from "./snapshot_lazy.ts";
import type { FromReadWorker } from "./snapshot_prefetch.ts";

import { startMark } from "../../runtime/start_trace.ts";

startMark("worker: started");
const port = connectToParent();

port.onMessage(async (msg) => {
  const { path, lazyFrom, holdMs } = msg as { path: string; lazyFrom?: number; holdMs?: number };
  let reply: FromReadWorker;
  const transfer: ArrayBuffer[] = [];
  try {
    const share = shareOf(path);
    if (share !== null) {
      port.post({ type: "lazy", share } satisfies FromReadWorker);
      if (share.imageLength < (lazyFrom ?? LAZY_FROM_BYTES)) {
        port.exit(0); // checked whole at open by the parent
        return;
      }
      let filled: FromReadWorker;
      try {
        filled = { type: "filled", damage: fillChunks(share, holdMs) };
      } catch (err) {
        filled = { type: "filled", damage: null, error: String((err as Error)?.message ?? err) };
      }
      startMark("worker: filled");
      port.post(filled);
      port.exit(0);
      return;
    }
    const snap = await readSnapshotFile(nodeFs, path);
    if (snap === null) reply = { type: "none" };
    else {
      const { bytes, checked } = snap;
      transfer.push(bytes.buffer as ArrayBuffer);
      reply = {
        type: "read",
        buffer: bytes.buffer as ArrayBuffer,
        length: bytes.length,
        verdict: checked.kind === "damaged" ? checked : { kind: checked.kind, imageLength: checked.image.length },
      };
    }
  } catch (err) {
    const e = err as { message?: unknown; code?: unknown };
    reply = { type: "error", message: String(e?.message ?? err), code: typeof e?.code === "string" ? e.code : undefined };
  }
  port.post(reply, transfer);
  port.exit(0);
});
