/**
 * The send-time half of the guard for one due scheduled send, and its bookkeeping. The schedule
 * time half ran in send_path.ts (read-only mode, scope, recipient policy, data flow, confirmation);
 * here, at the time, with nobody to ask: the stored request's hash, read-only mode, the recipient
 * still allowed (allow-list; a confirmation the policy now wants that the user did not give when
 * scheduling is a refusal), the link, the rate limits, the attachment copy's hash. Then it is
 * marked in flight durably ("sending"), sent under the message id chosen when it was scheduled,
 * and settled. Every move is a compare-and-set in the store, so a cancel racing the send, or two
 * rounds, cannot both win: it is sent at most once.
 *
 * An error whose outcome is unknown (a timeout, a connection lost mid-send, a crash) is never
 * retried: the store is asked for the message id first ("sent" if WhatsApp echoed it), else the
 * send is "unknown". A duplicate message to a person is worse than one the user is told to check.
 * Refusals before anything was sent ("not connected") go back to waiting, within the grace.
 */
import { ActorCrashedError, ActorStoppedError, AskTimeoutError, NoProcError } from "../../supervisors/mod.ts";
import type { Logger } from "../log.ts";
import type { ToolDeps } from "../mcp/deps.ts";
import { sha256Hex } from "../mcp/held/action.ts";
import { newHeldId } from "../mcp/held/service.ts";
import { linkProblem, readLinkStatus } from "../mcp/link.ts";
import { writeAudit } from "../mcp/policy/audit.ts";
import { decideWrite } from "../mcp/policy/write_kind.ts";
import { describeRateRefusal } from "../mcp/policy/rate_limit.ts";
import { ownId, resolveRecipient, userHasWritten } from "../mcp/resolve.ts";
import { allowListed, groupStrangers } from "../mcp/send_path.ts";
import type { ScheduledSendRow, ScheduledStatus } from "../store/types.ts";
import { SendOutcomeUnknownError, WhatsAppNotReadyError } from "../whatsapp/errors.ts";
import type { ConnectionMsg, SendResult } from "../whatsapp/protocol.ts";
import { parseScheduledRequest, type ScheduledRequest } from "./request.ts";
import type { ScheduledFiles } from "./types.ts";

/** What sending needs (the tools' deps, shared: one rate limiter for both). */
export type SendDeps = Pick<ToolDeps, "repository" | "whatsapp" | "config" | "rateLimiter" | "clock"> & {
  audit: Logger;
  files: ScheduledFiles;
};

/** What became of one due send. */
export type SendStep =
  | { kind: "sent"; messageId: string }
  | { kind: "wait"; until: number; reason: string }
  | { kind: "refused"; code: string; reason: string }
  | { kind: "failed"; reason: string }
  | { kind: "unknown"; reason: string }
  /** Someone else moved it first (cancelled meanwhile). */
  | { kind: "skipped"; status: ScheduledStatus | null };

/**
 * What a failed send means, by the error's class: `not_sent` when nothing went out (WhatsApp not
 * ready, no connection actor: safe to try again later), `maybe_sent` when it may or may not have
 * gone out (no reply in time, the actor crashed or stopped, an unconfirmed cluster send, a broken
 * connection: never sent again), else `refused` (WhatsApp said no).
 */
export function sendFailureKind(error: unknown): "not_sent" | "maybe_sent" | "refused" {
  if (error instanceof WhatsAppNotReadyError || error instanceof NoProcError) return "not_sent";
  if (
    error instanceof AskTimeoutError || error instanceof ActorCrashedError || error instanceof ActorStoppedError ||
    error instanceof SendOutcomeUnknownError
  ) return "maybe_sent";
  const message = (error as Error)?.message ?? String(error);
  return /connection (closed|lost)|timed out/i.test(message) ? "maybe_sent" : "refused";
}

/** The detail of a send found "unknown". */
export const UNKNOWN_DETAIL = "it was being sent when the server stopped (or the connection broke) and the store holds no copy " +
  "of it: it may or may not have reached the recipient, so it was NOT sent again; check the chat on the phone";

function subject(req: ScheduledRequest) {
  return {
    tool: "schedule_message",
    kind: "message",
    recipientKind: req.recipient.kind,
    jid: req.recipient.jid,
    text: req.text,
    attachments: req.attachment ? [{ bytes: req.attachment.bytes }] : [],
  };
}

/** Moves `row` from `from` to `to`; true if this call won. */
export async function moveRow(
  deps: Pick<SendDeps, "repository">,
  row: Pick<ScheduledSendRow, "id">,
  from: ScheduledStatus,
  to: ScheduledStatus,
  at: number,
  more: { detail?: string | null; lateMs?: number | null; expectClaim?: string | null } = {},
): Promise<string | null> {
  const claim = newHeldId();
  await deps.repository.commit([{ op: "moveScheduled", id: row.id, from, to, claim, at, ...more }]);
  const now = await deps.repository.getScheduled(row.id);
  return now?.claim === claim && now.status === to ? claim : null;
}

/** Whether WhatsApp's copy of our message with this id is in the store (Baileys echoes own sends). */
export async function sentCopyStored(deps: Pick<SendDeps, "repository">, chatJid: string, messageId: string): Promise<boolean> {
  const m = await deps.repository.getMessage(chatJid, messageId).catch(() => null);
  return m?.fromMe === true;
}

/** Checks and sends one due send; records the outcome in the store and the audit log. */
export async function sendDue(deps: SendDeps, row: ScheduledSendRow, now: number, lateMs: number): Promise<SendStep> {
  let req: ScheduledRequest;
  try {
    req = parseScheduledRequest(row.request);
  } catch {
    return await refuse(deps, row, null, now, "bad_request", "its stored request cannot be read; it was not sent");
  }
  if ((await sha256Hex(row.request)) !== row.contentHash) {
    return await refuse(deps, row, req, now, "content_changed", "the stored content no longer matches its hash; it was not sent");
  }
  if (deps.config.readOnly) {
    return await refuse(deps, row, req, now, "read_only", "the server runs in read-only mode (WHATSAPP_MCP_READ_ONLY); it was not sent");
  }
  const status = await readLinkStatus(deps);
  const problem = linkProblem(status, deps.config.statusUrl);
  if (problem) return { kind: "wait", until: now + 5_000, reason: problem };

  // The recipient, as the store knows them now.
  const r = await resolveRecipient(deps.repository, req.recipient.jid);
  const me = ownId(status?.me);
  const established = r.chat ? await userHasWritten(deps.repository, r.chat.jid, me) : false;
  const listed = allowListed(deps, [r]);
  const mode = deps.config.sendPolicy.confirm;
  const strangers = r.kind === "group" && mode === "first_contact" && listed !== true ? await groupStrangers(deps, r, me) : 0;
  const decision = decideWrite("message", { kind: r.kind, established, chatExists: r.chat !== null, allowListed: listed, groupStrangers: strangers }, mode);
  if (decision.action === "block") return await refuse(deps, row, req, now, decision.code, `${decision.reason}; it was not sent`);
  if (decision.action === "confirm" && !row.confirmed) {
    return await refuse(deps, row, req, now, `needs_confirmation_${decision.code}`, `it now needs the user's confirmation (${decision.reason}), ` +
      "which it did not get when it was scheduled, and nobody is there to ask; it was not sent");
  }

  const rate = deps.rateLimiter.check(r.jid);
  if (!rate.ok) return { kind: "wait", until: now + Math.max(1_000, rate.retryAfterMs), reason: describeRateRefusal(rate).replace(/^Not sent: /, "") };

  let media: Extract<ConnectionMsg, { type: "sendMedia" }> | null = null;
  const a = req.attachment;
  if (a) {
    const bytes = await deps.files.get(row.id).catch(() => null);
    if (!bytes) return await refuse(deps, row, req, now, "attachment_missing", `the copy of ${a.name} made when it was scheduled is gone; it was not sent`);
    if ((await sha256Hex(bytes)) !== a.sha256) {
      return await refuse(deps, row, req, now, "attachment_changed", `the copy of ${a.name} made when it was scheduled changed; it was not sent`);
    }
    media = {
      type: "sendMedia",
      jid: r.jid,
      messageId: row.messageId,
      media: a.voice
        ? { kind: "audio", bytes, mimetype: a.mimetype, ptt: true, seconds: a.seconds, waveform: new Uint8Array(a.waveform ?? []) }
        : { kind: a.kind, bytes, mimetype: a.mimetype, fileName: a.name, caption: req.text ?? undefined },
    };
  }
  const msg: Extract<ConnectionMsg, { type: "sendMedia" | "sendText" }> = media ?? { type: "sendText", jid: r.jid, text: req.text ?? "", messageId: row.messageId };

  // In flight, durably, before anything reaches WhatsApp.
  const claim = await moveRow(deps, row, "pending", "sending", now, { lateMs, detail: null });
  if (!claim) return { kind: "skipped", status: (await deps.repository.getScheduled(row.id))?.status ?? null };
  deps.rateLimiter.record(r.jid);
  let result: SendResult | null = null;
  let error: unknown = null;
  try {
    result = await deps.whatsapp.ask(msg);
  } catch (err) {
    error = err;
  }
  const at = deps.clock.now();
  if (result || await sentCopyStored(deps, r.jid, row.messageId)) {
    const id = result?.id ?? row.messageId;
    await moveRow(deps, row, "sending", "sent", at, { expectClaim: claim, detail: null });
    await deps.files.remove(row.id).catch(() => {});
    await writeAudit(deps.audit, subject(req), "sent", null, row.confirmed);
    return { kind: "sent", messageId: id };
  }
  const message = (error as Error)?.message ?? String(error);
  const failure = sendFailureKind(error);
  if (failure === "not_sent") {
    await moveRow(deps, row, "sending", "pending", at, { expectClaim: claim, detail: `waiting: ${message}` });
    return { kind: "wait", until: at + 5_000, reason: message };
  }
  if (failure === "maybe_sent") {
    await moveRow(deps, row, "sending", "unknown", at, { expectClaim: claim, detail: UNKNOWN_DETAIL });
    await deps.files.remove(row.id).catch(() => {});
    await writeAudit(deps.audit, subject(req), "unknown", "outcome_unknown", row.confirmed);
    return { kind: "unknown", reason: UNKNOWN_DETAIL };
  }
  const reason = `WhatsApp refused it: ${message}`;
  await moveRow(deps, row, "sending", "failed", at, { expectClaim: claim, detail: reason });
  await deps.files.remove(row.id).catch(() => {});
  await writeAudit(deps.audit, subject(req), "failed", "whatsapp_error", row.confirmed);
  return { kind: "failed", reason };
}

async function refuse(deps: SendDeps, row: ScheduledSendRow, req: ScheduledRequest | null, now: number, code: string, reason: string): Promise<SendStep> {
  if (!(await moveRow(deps, row, "pending", "failed", now, { detail: reason }))) {
    return { kind: "skipped", status: (await deps.repository.getScheduled(row.id))?.status ?? null };
  }
  await deps.files.remove(row.id).catch(() => {});
  if (req) await writeAudit(deps.audit, subject(req), "blocked", code, row.confirmed);
  return { kind: "refused", code, reason };
}

/** Expires a pending send that missed its time by more than the grace. */
export async function expireDue(deps: SendDeps, row: ScheduledSendRow, now: number, lateMs: number, reason: string): Promise<boolean> {
  if (!(await moveRow(deps, row, "pending", "expired", now, { detail: reason, lateMs }))) return false;
  await deps.files.remove(row.id).catch(() => {});
  try {
    await writeAudit(deps.audit, subject(parseScheduledRequest(row.request)), "expired", "missed_grace", row.confirmed);
  } catch {
    // an unreadable request still expires
  }
  return true;
}

/**
 * After a restart: sends left "sending" by the previous run are settled from the store: "sent"
 * when WhatsApp's copy of the message id is there, else "unknown" (never sent again). Returns how
 * many of each.
 */
export async function recoverInFlight(deps: SendDeps, now: number): Promise<{ sent: number; unknown: number }> {
  const rows = await deps.repository.listScheduled({ statuses: ["sending"], limit: 1000 });
  let sent = 0, unknown = 0;
  for (const row of rows) {
    let chat: string | null = null;
    try {
      chat = parseScheduledRequest(row.request).recipient.jid;
    } catch { /* an unreadable request cannot be looked up: unknown */ }
    if (chat !== null && await sentCopyStored(deps, chat, row.messageId)) {
      if (await moveRow(deps, row, "sending", "sent", now, { expectClaim: row.claim, detail: "found in the store after a restart: it was sent" })) sent++;
    } else if (await moveRow(deps, row, "sending", "unknown", now, { expectClaim: row.claim, detail: UNKNOWN_DETAIL })) {
      unknown++;
    }
    await deps.files.remove(row.id).catch(() => {});
  }
  return { sent, unknown };
}

/** An "unknown" send whose message WhatsApp's echo has since stored is recorded as sent. */
export async function confirmLateEchoes(deps: SendDeps, now: number): Promise<number> {
  const rows = await deps.repository.listScheduled({ statuses: ["unknown"], limit: 100 });
  let n = 0;
  for (const row of rows) {
    if (row.settledAt !== null && now - row.settledAt > 86_400_000) continue;
    let chat: string;
    try {
      chat = parseScheduledRequest(row.request).recipient.jid;
    } catch {
      continue;
    }
    if (await sentCopyStored(deps, chat, row.messageId)) {
      if (await moveRow(deps, row, "unknown", "sent", now, { detail: "its copy arrived in the store later: it was sent" })) n++;
    }
  }
  return n;
}
