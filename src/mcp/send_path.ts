/**
 * The one path every outgoing action takes (messages, files, voice notes, reactions, edits,
 * deletes, group admin, chat state, receipts; each declares its `WriteKind`): read-only mode, token
 * scope, link state, recipient and data-flow policy, rate limits,
 * human confirmation (a dialog in the client, or a held send approved on the local page), the
 * send itself, and one audit line per attempt. This is the single place the server can stop a
 * prompt-injected exfiltration, so every step fails closed.
 */
import type { SendResult } from "../whatsapp/protocol.ts";
import { askConfirmation, clientCanElicit, clientCanElicitUrl, DEFAULT_CONFIRM_TIMEOUT_MS, offerApprovalUrl } from "./confirm.ts";
import { opChatJid, performOp, type PreparedParts, type SendOp, sha256Hex } from "./held/action.ts";
import { approvalUrl, heldSentence, heldState, heldStatusOut, type HeldRequest, type HeldStatusOut } from "./held/request.ts";
import { holdSend, waitForHeld } from "./held/service.ts";
import { linkProblem, readLinkStatus } from "./link.ts";
import { type AuditOutcome, writeAudit } from "./policy/audit.ts";
import { type AttachmentPreview, renderConfirmation } from "./policy/confirm_text.ts";
import { flowSources } from "./policy/data_flow.ts";
import { afterConfirmation, type SendDecision } from "./policy/decide.ts";
import { limiterFor } from "./policy/limiters.ts";
import { describeRateRefusal } from "./policy/rate_limit.ts";
import { decideWrite, type WriteKind } from "./policy/write_kind.ts";
import { plusPhoneOf } from "../ids/phone.ts";
import { normalizeAllowList } from "./policy/allow_list.ts";
import { ownId, type ResolvedRecipient, userHasWritten } from "./resolve.ts";
import { errorResult, okResult } from "./results.ts";
import type { CallToolResult } from "./sdk.ts";
import { scopeProblem } from "./scope.ts";
import type { ToolContext } from "./tool.ts";
import { untrustedBlock } from "./untrusted.ts";
import { isoUtc } from "./dates.ts";

/** A file the action sends, as read at hold time (its path and bytes). */
export interface SendFilePart {
  path: string;
  bytes: Uint8Array;
  mimetype: string;
}

/**
 * One outgoing action. `op` (with `parts`, the files already read) describes it as data, so it
 * can also be held for approval and performed later; an attempt with only `perform` cannot be
 * held (it is refused where a human is needed and the client cannot ask).
 */
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
  attachments?: AttachmentPreview[];
  /** Further lines for the dialog (e.g. the members a group change adds). */
  details?: string[];
  mentions?: string[];
  quotedId?: string | null;
  op?: SendOp;
  parts?: PreparedParts;
  /** Seconds the tool may wait for the user to approve a held send (bounded by the caller). */
  waitSeconds?: number;
  /**
   * Performed later (a scheduled send, `op.type === "schedule"`): what happens now is storing it,
   * so the link state and the rate limits are checked when it is sent, not now; the audit says
   * "scheduled".
   */
  deferred?: boolean;
  perform?(): Promise<R>;
}

/** What happened. `text` is the sentence for the model when nothing was sent. */
export type SendOutcome<R = SendResult> =
  | { ok: true; result: R; confirmed: boolean }
  | { ok: false; outcome: "held"; code: "awaiting_approval"; text: string; held: HeldStatusOut }
  | { ok: false; outcome: Exclude<AuditOutcome, "sent" | "held">; code: string; text: string };

/** Whether every recipient is on the allow-list; null when none is configured. */
export function allowListed(deps: Pick<ToolContext["deps"], "config">, rs: ResolvedRecipient[]): boolean | null {
  const list = deps.config.sendPolicy.allowedRecipients;
  if (list.length === 0) return null;
  const { jids } = normalizeAllowList(list);
  return rs.every((r) => r.aliases.some((j) => jids.has(j)));
}


/** Most group members looked at for the strangers rule (bounds the work of one send). */
const MAX_MEMBERS_CHECKED = 256;

/**
 * Members of group `r` the user has no established 1:1 chat with, or -1 when the members are not
 * known (neither stored nor told by WhatsApp): then every member could be a stranger.
 */
export async function groupStrangers(
  deps: Pick<ToolContext["deps"], "repository" | "whatsapp">,
  r: ResolvedRecipient,
  me: string | null,
): Promise<number> {
  const repo = deps.repository;
  let members = ((await repo.getGroupInfo(r.jid))?.participants ?? []).map((p) => ({ id: p.personId, phone: p.phone }));
  if (members.length === 0) {
    try {
      const live = await deps.whatsapp.ask({ type: "groupMetadata", jid: r.jid });
      members = (live.participants ?? []).map((p) => ({ id: p.phoneJid ?? p.id, phone: plusPhoneOf(p.phoneJid ?? p.id) }));
    } catch {
      // WhatsApp did not tell: fail closed below.
    }
  }
  if (members.length === 0) return -1;
  const mePhone = plusPhoneOf(me);
  let strangers = 0;
  for (const p of members.slice(0, MAX_MEMBERS_CHECKED)) {
    if (p.id === me || (mePhone !== null && p.phone === mePhone)) continue;
    const chat = await repo.getDirectChat(p.id);
    if (!chat || !(await userHasWritten(repo, chat.jid, me))) strangers++;
  }
  return strangers;
}

/** "Alice" for a chat: its name, else the phone number, else the JID. */
async function chatLabel(ctx: ToolContext, jid: string): Promise<string> {
  const chat = await ctx.deps.repository.getChat(jid, false).catch(() => null);
  return chat?.name ?? plusPhoneOf(jid) ?? jid;
}

/** The chats whose content the attempt carries elsewhere (see policy/data_flow.ts). */
function flowChats(ctx: ToolContext, a: SendAttempt<unknown>): string[] {
  if (a.op?.type === "revoke") return [];
  const r = a.recipient;
  const own = [r.jid, ...r.aliases, ...(r.chat ? [r.chat.jid] : [])];
  const texts = [a.text, ...(a.attachments ?? []).map((x) => x.name)];
  const found = new Set<string>();
  for (const t of texts) for (const c of flowSources(ctx.deps.flow, t, own)) found.add(c);
  return [...found];
}

/** Who asked, for the approval page: the client's name and its session. */
function sessionLabel(ctx: ToolContext): string {
  const v = ctx.server.getClientVersion();
  const name = v ? `${(v as { title?: string }).title ?? v.name} ${v.version}` : "an MCP client";
  return ctx.extra.sessionId ? `${name} (session ${ctx.extra.sessionId.slice(0, 8)})` : name;
}

/** Runs the checks and, if they all pass, the send. Never throws for a refusal. */
export async function attemptSend<R = SendResult>(ctx: ToolContext, a: SendAttempt<R>): Promise<SendOutcome<R>> {
  const { config } = ctx.deps;
  const kind = a.kind ?? "message";
  const subject = { tool: a.tool, kind, recipientKind: a.recipient.kind, jid: a.recipient.jid, text: a.text, attachments: a.attachments };
  const refuse = async (outcome: Exclude<AuditOutcome, "sent" | "held">, code: string, text: string, confirmed = false) => {
    await writeAudit(ctx.deps.audit, subject, outcome, code, confirmed);
    return { ok: false as const, outcome, code, text };
  };

  if (config.readOnly) {
    return refuse("blocked", "read_only", "Not sent: this server runs in read-only mode; sending is disabled.");
  }
  const denied = scopeProblem(config, ctx.extra.authInfo);
  if (denied) return refuse("blocked", "missing_scope", `Not sent: ${denied}`);
  const status = await readLinkStatus(ctx.deps);
  const problem = a.deferred ? null : linkProblem(status, config.statusUrl);
  if (problem) return refuse("blocked", "not_linked", problem);

  const r = a.recipient;
  const me = ownId(status?.me);
  const everyone = [r, ...(a.participants ?? [])];
  let established = true;
  for (const x of everyone) established &&= x.chat ? await userHasWritten(ctx.deps.repository, x.chat.jid, me) : false;
  const listed = allowListed(ctx.deps, everyone);
  const mode = config.sendPolicy.confirm;
  const flow = mode === "never" ? [] : flowChats(ctx, a);
  // A reaction or a delete carries no content a stranger in a group could read.
  const carriesContent = kind === "message" && a.op?.type !== "react" && a.op?.type !== "revoke";
  const strangers = r.kind === "group" && carriesContent && mode === "first_contact" && listed !== true
    ? await groupStrangers(ctx.deps, r, me)
    : 0;
  const decision = decideWrite(
    kind,
    {
      kind: r.kind,
      established,
      chatExists: everyone.every((x) => x.chat !== null),
      allowListed: listed,
      flowFrom: await Promise.all(flow.map((j) => chatLabel(ctx, j))),
      groupStrangers: strangers,
      alwaysConfirm: a.alwaysConfirm,
    },
    mode,
  );
  if (decision.action === "block") return refuse("blocked", decision.code, `Not sent: ${decision.reason}.`);

  const limiter = limiterFor(ctx.deps.rateLimiter, config.sendPolicy, ctx.deps.clock, kind);
  // A deferred action spends its budget when it is performed (the scheduler checks then).
  const rateCheck = () => (a.deferred ? { ok: true as const } : limiter.check(r.jid));
  const rate = rateCheck();
  if (!rate.ok) return refuse("blocked", `rate_${rate.window}`, describeRateRefusal(rate));

  let confirmed = false;
  if (decision.action === "confirm") {
    const holdable = a.op !== undefined && config.statusUrl !== null ? { ...a, op: a.op } : null;
    // Only actions described as data (`op`) can be held: they can be performed later, after a restart too.
    if (holdable && !clientCanElicit(ctx.server)) return (await hold(ctx, holdable, decision)) as SendOutcome<R>;
    const message = renderConfirmation({
      action: a.action,
      recipient: { kind: r.kind, jid: r.jid, name: r.name, nameSource: r.nameSource, phone: r.phone },
      reason: decision.reason,
      text: a.text,
      attachments: a.attachments,
      mentions: a.mentions,
      quotedId: a.quotedId,
      details: a.details,
    });
    const answer = await askConfirmation(ctx.server, ctx.extra, message, config.confirmTimeoutMs ?? DEFAULT_CONFIRM_TIMEOUT_MS);
    // The dialog could not be shown: the approval page takes its place.
    if (answer === "failed" && holdable) return (await hold(ctx, holdable, decision)) as SendOutcome<R>;
    const next = afterConfirmation(answer, decision.reason);
    if (!next.go) {
      const outcome = answer === "unsupported" ? "blocked" : answer === "failed" ? "failed" : "declined";
      return refuse(outcome, next.code, next.text);
    }
    confirmed = true;
    // Other sends may have happened while the dialog was open.
    const again = rateCheck();
    if (!again.ok) return refuse("blocked", `rate_${again.window}`, describeRateRefusal(again), true);
  }

  if (!a.deferred) limiter.record(r.jid);
  try {
    const meta = { confirmed, session: sessionLabel(ctx) };
    const result = a.op ? ((await performOp(ctx.deps, a.op, a.parts, meta)) as R) : await a.perform!();
    await writeAudit(ctx.deps.audit, subject, a.deferred ? "scheduled" : "sent", null, confirmed);
    return { ok: true, result, confirmed };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return refuse("failed", "whatsapp_error", `Sending failed: ${msg}`, confirmed);
  }
}

/** Longest `wait_s` a send tool accepts (a tool call should answer well within a client's timeout). */
export const MAX_WAIT_SECONDS = 50;

/**
 * Holds the send for approval on the local page. A client that supports URL-mode elicitation is
 * offered the page through it; then (or with `wait_s`) the call waits a while for the decision.
 */
async function hold<R>(ctx: ToolContext, a: SendAttempt<R> & { op: SendOp }, decision: Extract<SendDecision, { action: "confirm" }>): Promise<SendOutcome> {
  const r = a.recipient;
  // One file at most per send; its hash at hold time is what approval checks the file against.
  const sha256 = a.parts?.file ? await sha256Hex(a.parts.file.bytes) : "";
  const path = a.op.type === "file" || a.op.type === "voice" ? a.op.path : a.op.type === "schedule" ? a.op.media?.path ?? "" : "";
  const request: HeldRequest = {
    v: 1,
    tool: a.tool,
    action: a.action,
    recipient: { kind: r.kind, jid: r.jid, name: r.name, nameSource: r.nameSource, phone: r.phone },
    text: a.text ?? null,
    mentions: a.mentions ?? [],
    quotedId: a.quotedId ?? null,
    attachments: (a.attachments ?? []).map((x) => ({
      ...x,
      path,
      mimetype: a.parts?.file?.mimetype ?? "application/octet-stream",
      sha256,
    })),
    op: a.op,
    kind: a.kind ?? "message",
    details: a.details ?? [],
    reason: decision.reason,
    codes: decision.codes,
  };
  const row = await holdSend(ctx.deps, request, sessionLabel(ctx));
  await writeAudit(
    ctx.deps.audit,
    { tool: a.tool, kind: a.kind ?? "message", recipientKind: r.kind, jid: r.jid, text: a.text, attachments: a.attachments },
    "held",
    decision.codes.join("+"),
    false,
  );
  const base = ctx.deps.config.statusUrl!;
  let waitMs = Math.min(Math.max(0, a.waitSeconds ?? 0), MAX_WAIT_SECONDS) * 1000;
  if (clientCanElicitUrl(ctx.server)) {
    const opened = await offerApprovalUrl(ctx.server, ctx.extra, row.id, approvalUrl(base, row.id), decision.reason);
    if (opened) waitMs = Math.max(waitMs, MAX_WAIT_SECONDS * 1000);
  }
  const latest = waitMs > 0 ? (await waitForHeld(ctx.deps, row.id, waitMs, ctx.extra.signal)) ?? row : row;
  const out = heldStatusOut(latest, ctx.deps.clock.now(), base);
  const chatJid = opChatJid(a.op);
  if (heldState(latest, ctx.deps.clock.now()) === "sent" && latest.messageId && chatJid) {
    return { ok: true, result: { id: latest.messageId, chatJid, ts: latest.settledAt ?? ctx.deps.clock.now() }, confirmed: true };
  }
  return { ok: false, outcome: "held", code: "awaiting_approval", text: heldSentence(out), held: out };
}

/** What the model is told about a held action: it waits for the user, where, and how to follow it. */
export function heldHeadline(h: HeldStatusOut, what: "send" | "action"): string {
  return `Not ${what === "send" ? "sent" : "done"} yet: this ${what} needs the user's approval and is held for ${Math.ceil(h.seconds_left / 60)} min. ` +
    `Tell the user to open ${h.approval_url} to check it and approve or decline it there; you cannot approve it. ` +
    `Afterwards get_send_status with approval_id "${h.approval_id}" says whether it was ${what === "send" ? "sent" : "done"}.`;
}

/** The recipient as a send result shows it. */
export function recipientOut(r: ResolvedRecipient): { jid: string; name: string | null; kind: "person" | "group" } {
  return { jid: r.jid, name: r.name, kind: r.kind };
}

/** "recipient: Alice (+491701234567)" for a result's untrusted block, or "" when no name is known. */
export function recipientLine(r: ResolvedRecipient): string {
  return r.name ? `recipient: ${r.name}${r.phone ? ` (${r.phone})` : ""}` : "";
}

/** The structured fields of a send held for approval (the end of an `awaiting_approval` result). */
export function heldFields(h: HeldStatusOut) {
  return {
    confirmed_by_user: false,
    approval_id: h.approval_id,
    approval_url: h.approval_url ?? undefined,
    expires_at: h.expires_at,
    reason: h.reason,
  };
}

/** The tool result of a send: structured outcome, a held send awaiting approval, or the refusal as an error result. */
export function sendToolResult(o: SendOutcome, r: ResolvedRecipient, done: string): CallToolResult {
  const recipient = recipientOut(r);
  if (!o.ok && o.outcome === "held" && o.held.status === "waiting") {
    const h = o.held;
    const structured = {
      status: "awaiting_approval" as const,
      sent: false,
      message_id: null,
      chat_jid: null,
      timestamp: null,
      recipient,
      ...heldFields(h),
    };
    const headline = heldHeadline(h, "send");
    const who = `reason: ${h.reason}${r.name ? `\n${recipientLine(r)}` : ""}`;
    return okResult(structured, untrustedBlock(headline, who));
  }
  if (!o.ok) return errorResult(o.text);
  const structured = {
    status: "sent" as const,
    sent: true,
    message_id: o.result.id,
    chat_jid: o.result.chatJid,
    timestamp: isoUtc(o.result.ts),
    recipient,
    confirmed_by_user: o.confirmed,
  };
  const headline = `${done} (message id ${o.result.id}, chat ${o.result.chatJid}${o.confirmed ? ", confirmed by the user" : ""}).`;
  return okResult(structured, untrustedBlock(headline, recipientLine(r)));
}
