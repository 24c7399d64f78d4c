/**
 * Held sends: a send the policy wants a human for, from a client that cannot ask, is stored and
 * waits for the user on the local page /approve. Approving performs exactly what was held (the
 * request's hash and every attachment's hash checked again), through the rest of the guard
 * (read-only mode, link state, rate limits, audit), at most once: every transition out of
 * "waiting" is a compare-and-set in the store (`claimHeldSend`), so two browser tabs, two
 * processes or a restart cannot send it twice.
 */
import type { Logger } from "../../log.ts";
import type { HeldSendRow } from "../../store/types.ts";
import type { ToolDeps } from "../deps.ts";
import { linkProblem, readLinkStatus } from "../link.ts";
import { writeAudit } from "../policy/audit.ts";
import { describeRateRefusal } from "../policy/rate_limit.ts";
import { limiterFor } from "../policy/limiters.ts";
import { describeResult, messageIdOf, performOp, type PreparedParts, sha256Hex } from "./action.ts";
import { heldState, type HeldRequest, parseHeldRequest } from "./request.ts";

/** What approving and declining need. */
export type HeldDeps = Pick<ToolDeps, "repository" | "whatsapp" | "media" | "config" | "clock" | "rateLimiter" | "schedule"> & { audit: Logger };

/** Default time a held send waits. */
export const DEFAULT_APPROVAL_MINUTES = 10;

/** A URL-safe random id (128 bits). */
export function newHeldId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...b)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Stores a held send; resolves once it is durable. */
export async function holdSend(deps: HeldDeps, request: HeldRequest, session: string | null): Promise<HeldSendRow> {
  const now = deps.clock.now();
  const json = JSON.stringify(request);
  const minutes = deps.config.sendPolicy.approvalMinutes ?? DEFAULT_APPROVAL_MINUTES;
  const row: HeldSendRow = {
    id: newHeldId(),
    createdAt: now,
    expiresAt: now + minutes * 60_000,
    session,
    contentHash: await sha256Hex(json),
    request: json,
    status: "waiting",
    claim: null,
    settledAt: null,
    messageId: null,
    detail: null,
  };
  await deps.repository.commit([{ op: "holdSend", held: row }]);
  return row;
}

/** Moves a waiting send to `to`; true if this call won (read back: the stored claim is ours). */
async function claim(deps: HeldDeps, id: string, to: "sending" | "declined" | "expired" | "failed", detail: string | null) {
  const token = newHeldId();
  await deps.repository.commit([{ op: "claimHeldSend", id, claim: token, to, at: deps.clock.now(), detail }]);
  const row = await deps.repository.getHeldSend(id);
  return row?.claim === token && row.status === to;
}

/** The result of an approve or decline, as the page reports it. */
export type DecisionOutcome =
  | { ok: true; status: "sent" | "declined"; messageId?: string; scheduledFor?: string }
  | { ok: false; status: string; message: string };

/** Records an expired send as expired (if it still says waiting). */
async function settleExpired(deps: HeldDeps, row: HeldSendRow): Promise<void> {
  if (row.status === "waiting") await claim(deps, row.id, "expired", "nobody approved it in time; it was not sent");
}

/** Marks waiting sends past their expiry as expired; returns how many. */
export async function expireDue(deps: HeldDeps): Promise<number> {
  const now = deps.clock.now();
  const rows = await deps.repository.listHeldSends({ statuses: ["waiting"], limit: 500 });
  let n = 0;
  for (const r of rows) {
    if (heldState(r, now) === "expired") {
      await settleExpired(deps, r);
      n++;
    }
  }
  return n;
}

/** Declines a waiting send. */
export async function declineHeld(deps: HeldDeps, id: string): Promise<DecisionOutcome> {
  const row = await deps.repository.getHeldSend(id);
  if (!row) return { ok: false, status: "unknown", message: "There is no held send with this id." };
  const state = heldState(row, deps.clock.now());
  if (state === "expired") await settleExpired(deps, row);
  if (state !== "waiting") return { ok: false, status: state, message: `This send is already ${state}.` };
  const req = parseHeldRequest(row.request);
  if (!(await claim(deps, id, "declined", "the user declined it on the approval page"))) {
    const now = await deps.repository.getHeldSend(id);
    return { ok: false, status: now?.status ?? "unknown", message: `This send is already ${now?.status ?? "gone"}.` };
  }
  await writeAudit(deps.audit, subject(req), "declined", "declined_on_page", false);
  return { ok: true, status: "declined" };
}

/** Approves and performs a waiting send. */
export async function approveHeld(deps: HeldDeps, id: string): Promise<DecisionOutcome> {
  const row = await deps.repository.getHeldSend(id);
  if (!row) return { ok: false, status: "unknown", message: "There is no held send with this id." };
  const state = heldState(row, deps.clock.now());
  if (state === "expired") {
    await settleExpired(deps, row);
    return { ok: false, status: "expired", message: "This send expired before it was approved; it was not sent. Ask the assistant to try again." };
  }
  if (state !== "waiting") return { ok: false, status: state, message: `This send is already ${state}.` };

  const req = parseHeldRequest(row.request);
  const refuse = async (code: string, message: string, final: boolean): Promise<DecisionOutcome> => {
    if (final && !(await claim(deps, id, "failed", message))) {
      const now = await deps.repository.getHeldSend(id);
      return { ok: false, status: now?.status ?? "unknown", message: `This send is already ${now?.status ?? "gone"}.` };
    }
    await writeAudit(deps.audit, subject(req), "blocked", code, true);
    return { ok: false, status: final ? "failed" : "waiting", message };
  };

  if ((await sha256Hex(row.request)) !== row.contentHash) {
    return refuse("content_changed", "the held content no longer matches its hash; it was not sent", true);
  }
  if (deps.config.readOnly) return refuse("read_only", "This server now runs in read-only mode; sending is disabled.", false);
  // A scheduled send meets the link state and the rate limits when the scheduler sends it.
  const deferred = req.op.type === "schedule";
  const problem = deferred ? null : linkProblem(await readLinkStatus(deps), deps.config.statusUrl);
  if (problem) return refuse("not_linked", problem, false);
  const limiter = limiterFor(deps.rateLimiter, deps.config.sendPolicy, deps.clock, req.kind ?? "message");
  const rate = deferred ? { ok: true as const } : limiter.check(req.recipient.jid);
  if (!rate.ok) return refuse(`rate_${rate.window}`, describeRateRefusal(rate), false);

  // The files must still be exactly what the user was shown.
  const parts: PreparedParts = {};
  // Only file and voice sends carry files; other attachments (a forwarded photo) are a preview.
  for (const a of req.op.type === "file" || req.op.type === "voice" ? req.attachments : []) {
    let file;
    try {
      file = await deps.media.prepareFile(a.path);
    } catch (err) {
      return refuse("attachment_missing", `the file ${a.name} can no longer be read (${(err as Error).message}); it was not sent`, true);
    }
    if ((await sha256Hex(file.bytes)) !== a.sha256) {
      return refuse("attachment_changed", `the file ${a.name} changed after the send was held; it was not sent`, true);
    }
    parts.file = file;
  }

  if (!(await claim(deps, id, "sending", null))) {
    const now = await deps.repository.getHeldSend(id);
    return { ok: false, status: now?.status ?? "unknown", message: `This send is already ${now?.status ?? "gone"}.` };
  }
  if (!deferred) limiter.record(req.recipient.jid);
  const token = (await deps.repository.getHeldSend(id))!.claim!;
  try {
    const result = await performOp(deps, req.op, parts, { confirmed: true, session: row.session });
    const messageId = messageIdOf(result);
    await deps.repository.commit([
      { op: "settleHeldSend", id, claim: token, to: "sent", at: deps.clock.now(), messageId, detail: describeResult(result) },
    ]);
    await writeAudit(deps.audit, subject(req), deferred ? "scheduled" : "sent", null, true);
    return {
      ok: true,
      status: "sent",
      ...(messageId ? { messageId } : {}),
      ...(deferred ? { scheduledFor: new Date((result as { ts: number }).ts).toISOString() } : {}),
    };
  } catch (err) {
    const message = `sending failed: ${(err as Error).message}`;
    await deps.repository.commit([{ op: "settleHeldSend", id, claim: token, to: "failed", at: deps.clock.now(), detail: message }]);
    await writeAudit(deps.audit, subject(req), "failed", "whatsapp_error", true);
    return { ok: false, status: "failed", message };
  }
}

function subject(req: HeldRequest) {
  return { tool: req.tool, kind: req.kind ?? "message", recipientKind: req.recipient.kind, jid: req.recipient.jid, text: req.text, attachments: req.attachments };
}

/**
 * Waits until the held send has an outcome (leaves "waiting" and "sending", or expires), at most `ms`, polling the store (it
 * may be approved by another process). Resolves with the latest row.
 */
export async function waitForHeld(
  deps: Pick<HeldDeps, "repository" | "clock">,
  id: string,
  ms: number,
  signal?: AbortSignal,
): Promise<HeldSendRow | null> {
  const end = Date.now() + ms;
  let row = await deps.repository.getHeldSend(id);
  // "sending" (approved, the send under way) is not an outcome yet: waited through as well.
  const open = (r: HeldSendRow) => ["waiting", "sending"].includes(heldState(r, deps.clock.now()));
  while (row && open(row) && Date.now() < end && !signal?.aborted) {
    await new Promise((r) => setTimeout(r, Math.min(250, Math.max(1, end - Date.now()))));
    row = await deps.repository.getHeldSend(id);
  }
  return row;
}
