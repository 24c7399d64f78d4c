/**
 * The one path every outgoing action takes (messages, files, voice notes, reactions, edits,
 * deletes, group admin, chat state, receipts; each declares its `WriteKind`): read-only mode, token scope, link state, recipient policy, rate limits, human
 * confirmation, the send itself, and one audit line per attempt. This is the single place the
 * server can stop a prompt-injected exfiltration, so every step fails closed.
 */
import type { SendResult } from "../whatsapp/protocol.ts";
import { askConfirmation, DEFAULT_CONFIRM_TIMEOUT_MS } from "./confirm.ts";
import { linkProblem, readLinkStatus } from "./link.ts";
import { type AuditOutcome, type AuditRecord, newAuditKey, recipientTag } from "./policy/audit.ts";
import { type AttachmentPreview, renderConfirmation } from "./policy/confirm_text.ts";
import { afterConfirmation } from "./policy/decide.ts";
import { createRateLimiter, describeRateRefusal, type RateLimiter } from "./policy/rate_limit.ts";
import { decideWrite, rateBudget, stateLimits, type WriteKind } from "./policy/write_kind.ts";
import { normalizeAllowList } from "./policy/recipient.ts";
import { ownId, type ResolvedRecipient, userHasWritten } from "./resolve.ts";
import { errorResult, okResult } from "./results.ts";
import type { CallToolResult } from "./sdk.ts";
import { scopeProblem } from "./scope.ts";
import type { ToolContext } from "./tool.ts";
import { untrustedBlock } from "./untrusted.ts";
import { isoUtc } from "./dates.ts";

/** One outgoing action. `perform` runs only if every check passes; `R` is its reply (a `SendResult` for messages). */
export interface SendAttempt<R = SendResult> {
  tool: string;
  /** What kind of write this is (default "message"); decides which checks apply (policy/write_kind.ts). */
  kind?: WriteKind;
  /** The tool always wants a human (join_group), whatever the confirm mode. */
  alwaysConfirm?: boolean;
  /** Further people the action reaches (a new group's members, people added): allow-listed and first-contact checked too. */
  participants?: ResolvedRecipient[];
  /** Dialog title, e.g. "Send this WhatsApp message". */
  action: string;
  recipient: ResolvedRecipient;
  text?: string | null;
  /** Lines the confirmation shows about the action besides the text (members, new subject...). */
  details?: string[];
  attachments?: AttachmentPreview[];
  mentions?: string[];
  quotedId?: string | null;
  perform(): Promise<R>;
}

/** What happened. `text` is the sentence for the model when nothing was sent. */
export type SendOutcome<R = SendResult> =
  | { ok: true; result: R; confirmed: boolean }
  | { ok: false; outcome: Exclude<AuditOutcome, "sent">; code: string; text: string };

let auditKey: Promise<CryptoKey> | null = null;

async function audit(ctx: ToolContext, a: SendAttempt<unknown>, outcome: AuditOutcome, reason: string | null, confirmed: boolean) {
  let tag: string | null = null;
  try {
    auditKey ??= newAuditKey();
    tag = await recipientTag(await auditKey, a.recipient.jid);
  } catch {
    // WebCrypto missing would only cost the correlation tag, never the audit line.
  }
  const rec: AuditRecord = {
    tool: a.tool,
    outcome,
    reason,
    recipientKind: a.recipient.kind,
    recipient: tag,
    textChars: a.text ? Array.from(a.text).length : 0,
    attachmentBytes: (a.attachments ?? []).reduce((n, x) => n + x.bytes, 0),
    confirmed,
    kind: a.kind ?? "message",
  };
  const level = outcome === "sent" ? "info" : "warn";
  ctx.deps.audit[level]("send attempt", rec as unknown as Record<string, unknown>);
}

function allowListed(ctx: ToolContext, rs: ResolvedRecipient[]): boolean | null {
  const list = ctx.deps.config.sendPolicy.allowedRecipients;
  if (list.length === 0) return null;
  const { jids } = normalizeAllowList(list);
  return rs.every((r) => r.aliases.some((j) => jids.has(j)));
}

// State changes (archive, receipts...) spend their own, looser budget, shared like the send limiter.
const stateLimiters = new WeakMap<RateLimiter, RateLimiter>();

function limiterFor(ctx: ToolContext, kind: WriteKind): RateLimiter {
  const send = ctx.deps.rateLimiter;
  if (rateBudget(kind) === "send") return send;
  let state = stateLimiters.get(send);
  if (!state) stateLimiters.set(send, state = createRateLimiter(stateLimits(ctx.deps.config.sendPolicy), ctx.deps.clock));
  return state;
}

/** Runs the checks and, if they all pass, the send. Never throws for a refusal. */
export async function attemptSend<R = SendResult>(ctx: ToolContext, a: SendAttempt<R>): Promise<SendOutcome<R>> {
  const { config } = ctx.deps;
  const refuse = async (outcome: Exclude<AuditOutcome, "sent">, code: string, text: string, confirmed = false) => {
    await audit(ctx, a, outcome, code, confirmed);
    return { ok: false as const, outcome, code, text };
  };

  if (config.readOnly) {
    return refuse("blocked", "read_only", "Not sent: this server runs in read-only mode; sending is disabled.");
  }
  const denied = scopeProblem(config, ctx.extra.authInfo);
  if (denied) return refuse("blocked", "missing_scope", `Not sent: ${denied}`);
  const status = await readLinkStatus(ctx.deps);
  const problem = linkProblem(status, config.statusUrl);
  if (problem) return refuse("blocked", "not_linked", problem);

  const r = a.recipient;
  const kind = a.kind ?? "message";
  const everyone = [r, ...(a.participants ?? [])];
  let established = true;
  for (const x of everyone) {
    established &&= x.chat ? await userHasWritten(ctx.deps.repository, x.chat.jid, ownId(status?.me)) : false;
  }
  const decision = decideWrite(
    kind,
    { kind: r.kind, established, chatExists: everyone.every((x) => x.chat !== null), allowListed: allowListed(ctx, everyone), alwaysConfirm: a.alwaysConfirm },
    config.sendPolicy.confirm,
  );
  if (decision.action === "block") return refuse("blocked", decision.code, `Not sent: ${decision.reason}.`);

  const limiter = limiterFor(ctx, kind);
  const rate = limiter.check(r.jid);
  if (!rate.ok) return refuse("blocked", `rate_${rate.window}`, describeRateRefusal(rate));

  let confirmed = false;
  if (decision.action === "confirm") {
    const message = renderConfirmation({
      action: a.action,
      recipient: { kind: r.kind, jid: r.jid, name: r.name, nameSource: r.nameSource, phone: r.phone },
      reason: decision.reason,
      details: a.details,
      text: a.text,
      attachments: a.attachments,
      mentions: a.mentions,
      quotedId: a.quotedId,
    });
    const answer = await askConfirmation(ctx.server, ctx.extra, message, config.confirmTimeoutMs ?? DEFAULT_CONFIRM_TIMEOUT_MS);
    const next = afterConfirmation(answer, decision.reason);
    if (!next.go) {
      const outcome = answer === "unsupported" ? "blocked" : answer === "failed" ? "failed" : "declined";
      return refuse(outcome, next.code, next.text);
    }
    confirmed = true;
    // Other sends may have happened while the dialog was open.
    const again = limiter.check(r.jid);
    if (!again.ok) return refuse("blocked", `rate_${again.window}`, describeRateRefusal(again), true);
  }

  limiter.record(r.jid);
  try {
    const result = await a.perform();
    await audit(ctx, a, "sent", null, confirmed);
    return { ok: true, result, confirmed };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return refuse("failed", "whatsapp_error", `Sending failed: ${msg}`, confirmed);
  }
}

/** The tool result of a send: structured outcome, or the refusal as an error result. */
export function sendToolResult(o: SendOutcome, r: ResolvedRecipient, done: string): CallToolResult {
  if (!o.ok) return errorResult(o.text);
  const structured = {
    sent: true as const,
    message_id: o.result.id,
    chat_jid: o.result.chatJid,
    timestamp: isoUtc(o.result.ts),
    recipient: { jid: r.jid, name: r.name, kind: r.kind },
    confirmed_by_user: o.confirmed,
  };
  const headline = `${done} (message id ${o.result.id}, chat ${o.result.chatJid}${o.confirmed ? ", confirmed by the user" : ""}).`;
  const who = r.name ? `recipient: ${r.name}${r.phone ? ` (${r.phone})` : ""}` : "";
  return okResult(structured, untrustedBlock(headline, who));
}
