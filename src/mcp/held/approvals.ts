/**
 * The approval page's port over the store: held sends made ready to show (the text exactly as the
 * confirmation dialog shows it), and the user's approve / decline.
 */
import type { ApprovalsPort, HeldSendView } from "../../http/approve/types.ts";
import type { HeldSendRow } from "../../store/types.ts";
import { visibleText } from "../policy/confirm_text.ts";
import { sha256Hex } from "./action.ts";
import { heldState, parseHeldRequest } from "./request.ts";
import { approveHeld, declineHeld, expireDue, type HeldDeps } from "./service.ts";

const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);

function view(row: HeldSendRow, now: number): HeldSendView {
  const req = parseHeldRequest(row.request);
  const text = req.text;
  return {
    id: row.id,
    status: heldState(row, now),
    action: req.action,
    // Approving a schedule_message stores it for its time; the scheduler sends it then.
    ...(req.tool === "schedule_message" ? { approveLabel: "Approve and schedule" } : {}),
    recipient: {
      kind: req.recipient.kind,
      name: req.recipient.name === null ? null : visibleText(req.recipient.name).replace(/\n/g, " "),
      nameSource: req.recipient.nameSource,
      phone: req.recipient.phone,
      jid: req.recipient.jid,
    },
    reason: req.reason,
    session: row.session,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    text: text === null ? null : visibleText(text),
    textChars: text === null ? 0 : Array.from(text).length,
    textLines: text === null ? 0 : text.split(/\r\n?|\n/).length,
    mentions: req.mentions,
    quotedId: req.quotedId,
    attachments: req.attachments.map((a, index) => ({
      index,
      name: visibleText(a.name).replace(/\n/g, " "),
      kind: a.kind,
      bytes: a.bytes,
      ...(a.seconds !== undefined ? { seconds: a.seconds } : {}),
      image: a.kind === "image" && IMAGE_TYPES.has(a.mimetype),
    })),
    messageId: row.messageId,
    detail: row.detail,
  };
}

/** Builds the port. */
export function createApprovals(deps: HeldDeps): ApprovalsPort {
  const now = () => deps.clock.now();
  return {
    async list() {
      await expireDue(deps);
      const waiting = await deps.repository.listHeldSends({ statuses: ["waiting"], limit: 100 });
      const recent = await deps.repository.listHeldSends({ limit: 20 });
      const seen = new Set(waiting.map((r) => r.id));
      return [...waiting.reverse(), ...recent.filter((r) => !seen.has(r.id))].map((r) => view(r, now()));
    },
    async get(id) {
      const row = await deps.repository.getHeldSend(id);
      return row ? view(row, now()) : null;
    },
    async waiting() {
      const rows = await deps.repository.listHeldSends({ statuses: ["waiting"], limit: 500 });
      return rows.filter((r) => heldState(r, now()) === "waiting").length;
    },
    approve: (id) => approveHeld(deps, id),
    decline: (id) => declineHeld(deps, id),
    async attachment(id, index) {
      const row = await deps.repository.getHeldSend(id);
      const a = row ? parseHeldRequest(row.request).attachments[index] : undefined;
      if (!a || a.kind !== "image" || !IMAGE_TYPES.has(a.mimetype)) return null;
      try {
        const file = await deps.media.prepareFile(a.path);
        return (await sha256Hex(file.bytes)) === a.sha256 ? { bytes: file.bytes, mimetype: a.mimetype } : null;
      } catch {
        return null;
      }
    },
  };
}
