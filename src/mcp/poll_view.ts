/**
 * A poll's results as tools show them: each option with its count and voters (each voter's
 * latest choice; a withdrawn vote counts nowhere), in the poll's order. Pure.
 */
import type { MessageView, PollDetails, Repository } from "../store/types.ts";
import type { MessageOut } from "./schemas.ts";
import { isoUtc } from "./dates.ts";
import { plusPhoneOf } from "../ids/phone.ts";
import { quoted } from "./render.ts";
import { cleanName, cleanNameOrNull, cleanTextOrNull } from "./untrusted_text.ts";

/** One voter as shown. */
export interface VoterOut {
  jid: string;
  name: string | null;
  phone: string | null;
  is_me: boolean;
  voted_at: string;
}

/** A poll's results. */
export interface PollOut {
  question: string | null;
  multiple: boolean;
  options: Array<{ name: string; votes: number; voters: VoterOut[] }>;
  voters: number;
}

/** Builds the results; `meId` marks the owner's own vote. */
export function pollToOut(p: PollDetails, meId: string | null): PollOut {
  const options = p.options.map((name) => ({ name: cleanName(name), votes: 0, voters: [] as VoterOut[] }));
  let voters = 0;
  for (const v of p.votes) {
    if (v.options.length === 0) continue;
    voters++;
    const who: VoterOut = {
      jid: v.voterId,
      name: cleanNameOrNull(v.voterName),
      phone: v.voterPhone ?? plusPhoneOf(v.voterId),
      is_me: v.voterId === meId,
      voted_at: isoUtc(v.ts),
    };
    for (const chosen of v.options) {
      const i = p.options.indexOf(chosen);
      if (i < 0) continue;
      options[i].votes++;
      options[i].voters.push(who);
    }
  }
  return { question: cleanTextOrNull(p.question), multiple: p.selectableCount !== 1, options, voters };
}

/** The results as text lines (untrusted data: callers wrap them). */
export function pollLines(p: PollOut): string[] {
  const lines = [`poll: ${p.question ?? "(no question)"} (${p.multiple ? "several choices" : "one choice"}, ${p.voters} voted)`];
  for (const o of p.options) {
    const names = o.voters.map((v) => (v.is_me ? "ME" : v.name ? quoted(v.name) : v.phone ?? v.jid));
    lines.push(`- ${o.name}: ${o.votes}${names.length ? ` (${names.join(", ")})` : ""}`);
  }
  return lines;
}

/** The polls among `messages`, fetched in one store call, as counts by `chat\u0000id`. */
export async function pollSummaries(repo: Pick<Repository, "getPolls">, messages: MessageView[]): Promise<Map<string, PollOut>> {
  const refs = messages.filter((m) => m.type === "poll").map((m) => ({ chatJid: m.chatJid, id: m.id }));
  const out = new Map<string, PollOut>();
  if (refs.length === 0) return out;
  for (const p of await repo.getPolls(refs)) out.set(`${p.chatJid}\u0000${p.messageId}`, pollToOut(p, null));
  return out;
}

/** The message with its poll's counts attached, when it is a poll whose options are stored. */
export function withPoll<T extends MessageOut>(m: T, polls: Map<string, PollOut>): T {
  const p = polls.get(`${m.chat_jid}\u0000${m.id}`);
  if (!p) return m;
  return { ...m, poll: { question: p.question, multiple: p.multiple, options: p.options.map((o) => ({ name: o.name, votes: o.votes })), voters: p.voters } };
}
