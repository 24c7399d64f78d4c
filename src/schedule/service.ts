/**
 * Scheduling and cancelling (the `SchedulePort` the tools and the approval page use). `add` runs
 * only after the send guard let the schedule through (send_path.ts with `deferred`, or an approved
 * held send): it copies the attachment into the data folder and makes it durable, commits the row,
 * and only then answers, so an acknowledged schedule survives a crash. Then it wakes the scheduler.
 *
 * Why a copy: the user confirmed these bytes (the dialog and the page show the file's name and
 * size, the page its picture). The original may be edited, replaced or deleted before the time;
 * sending whatever is there then would send something nobody confirmed. The copy is read only
 * from the file roots (the media service checks roots, symlinks, size caps when scheduling),
 * keeps its SHA-256 in the request, and is checked again before it is sent.
 */
import type { MediaPort, SchedulePort } from "../mcp/deps.ts";
import { type OpMeta, type PreparedParts, type SendOp, sha256Hex } from "../mcp/held/action.ts";
import { newHeldId } from "../mcp/held/service.ts";
import { resolveRecipient } from "../mcp/resolve.ts";
import type { ScheduledSendRow } from "../store/types.ts";
import type { MirrorQueries, MirrorWriter } from "../store/ports.ts";
import type { RecipientStore } from "../mcp/resolve.ts";
import { UserError } from "../user_error.ts";
import type { ScheduledAttachment, ScheduledRequest } from "./request.ts";
import { MAX_PENDING_SCHEDULED, type ScheduledFiles } from "./types.ts";

/** What scheduling needs. `wake` tells the scheduler actor to plan again. */
export interface ScheduleServiceDeps {
  repository: MirrorWriter & RecipientStore & Pick<MirrorQueries, "listScheduled" | "getScheduled">;
  media: Pick<MediaPort, "voiceNote">;
  clock: { now(): number };
  files: ScheduledFiles;
  wake(): void;
}

/** Thrown when too many sends wait already: the caller can cancel some and try again. */
export class ScheduleLimitError extends UserError {
  override name = "ScheduleLimitError";
  constructor(message: string) {
    super("schedule_full", message);
  }
}

/**
 * A WhatsApp message id in the form Baileys makes ("3EB0" + 18 hex digits), chosen when the send is
 * scheduled so the store can tell after a crash whether it went out.
 */
export function newMessageId(): string {
  const b = crypto.getRandomValues(new Uint8Array(9));
  return `3EB0${Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("").toUpperCase()}`;
}

/** Sends waiting or in flight, up to the cap (+1, to tell "full"). */
export async function countPending(repo: Pick<MirrorQueries, "listScheduled">): Promise<number> {
  return (await repo.listScheduled({ statuses: ["pending", "sending"], limit: MAX_PENDING_SCHEDULED + 1 })).length;
}

/** The sentence when the queue is full. */
export const QUEUE_FULL = `${MAX_PENDING_SCHEDULED} scheduled sends are already waiting; cancel some (cancel_scheduled) before scheduling more`;

/** Builds the port. */
export function createScheduleService(deps: ScheduleServiceDeps): SchedulePort {
  return {
    async add(op: Extract<SendOp, { type: "schedule" }>, parts: PreparedParts, meta: OpMeta) {
      if ((await countPending(deps.repository)) >= MAX_PENDING_SCHEDULED) throw new ScheduleLimitError(QUEUE_FULL);
      const r = await resolveRecipient(deps.repository, op.jid);
      const id = newHeldId();
      let attachment: ScheduledAttachment | null = null;
      let bytes: Uint8Array | null = null;
      if (op.media) {
        const file = parts.file;
        if (!file) throw new Error("a scheduled file needs its bytes");
        if (op.media.voice) {
          const v = parts.voice ?? await deps.media.voiceNote(file.bytes, file.fileName);
          bytes = v.bytes;
          attachment = {
            kind: "audio",
            voice: true,
            name: file.fileName,
            mimetype: "audio/ogg; codecs=opus",
            bytes: v.bytes.length,
            sha256: await sha256Hex(v.bytes),
            seconds: v.seconds,
            waveform: Array.from(v.waveform),
          };
        } else {
          bytes = file.bytes;
          attachment = { kind: file.kind, voice: false, name: file.fileName, mimetype: file.mimetype, bytes: file.bytes.length, sha256: await sha256Hex(file.bytes) };
        }
      }
      const request: ScheduledRequest = {
        v: 1,
        tool: "schedule_message",
        recipient: { kind: r.kind, jid: r.jid, name: r.name, nameSource: r.nameSource, phone: r.phone },
        text: op.text ?? null,
        attachment,
      };
      const json = JSON.stringify(request);
      const row: ScheduledSendRow = {
        id,
        createdAt: deps.clock.now(),
        dueAt: op.at,
        session: meta.session,
        confirmed: meta.confirmed,
        contentHash: await sha256Hex(json),
        request: json,
        messageId: newMessageId(),
        status: "pending",
        claim: null,
        attempts: 0,
        lastAttemptAt: null,
        settledAt: null,
        lateMs: null,
        detail: null,
      };
      // The copy is durable before the row that names it; a crash in between leaves only an
      // orphan copy, which the scheduler sweeps at start.
      if (bytes) await deps.files.put(id, bytes);
      try {
        await deps.repository.commit([{ op: "scheduleSend", item: row }]);
      } catch (err) {
        if (bytes) await deps.files.remove(id).catch(() => {});
        throw err;
      }
      deps.wake();
      return { id, chatJid: r.jid, ts: op.at };
    },

    async cancel(id: string) {
      const row = await deps.repository.getScheduled(id);
      if (!row) return { ok: false as const, status: null, message: `no scheduled send with id ${JSON.stringify(id)}` };
      if (row.status !== "pending") {
        return { ok: false as const, status: row.status, message: `it cannot be cancelled: it is already ${row.status}` };
      }
      const claim = newHeldId();
      await deps.repository.commit([{
        op: "moveScheduled",
        id,
        from: "pending",
        to: "cancelled",
        claim,
        at: deps.clock.now(),
        detail: "cancelled with cancel_scheduled before it was sent",
      }]);
      const now = await deps.repository.getScheduled(id);
      if (now?.claim !== claim || now.status !== "cancelled") {
        return { ok: false as const, status: now?.status ?? null, message: `it cannot be cancelled: it is already ${now?.status ?? "gone"}` };
      }
      await deps.files.remove(id).catch(() => {});
      deps.wake();
      return { ok: true as const };
    },
  };
}
