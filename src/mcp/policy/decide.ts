/**
 * The recipient policy: given what we know about a resolved recipient, may a send go ahead,
 * does it need a human's confirmation, or is it refused? Pure; the send path gathers the facts.
 *
 * "Established" means a chat exists in which the user has written before. A chat that only the
 * other side started does not count: the classic injection comes from the attacker's own number,
 * so replying there is exactly the exfiltration channel to guard. A group is judged by its members
 * too: writing in it before does not vouch for a stranger who reads along. And content is judged
 * by where it came from: text the model read in one chat going to another needs a human.
 */

/** What the send path found out about the recipient and the content. */
export interface RecipientFacts {
  kind: "person" | "group";
  /** A chat exists and the user has sent in it before. */
  established: boolean;
  /** Whether a chat exists at all (for the explanation). */
  chatExists: boolean;
  /** null when no allow-list is configured. */
  allowListed: boolean | null;
  /**
   * Names of the other chats whose content the outgoing text, caption or file name carries
   * (see `data_flow.ts`), e.g. ["Alice"]. Absent or empty: none.
   */
  flowFrom?: string[];
  /** Group members the user has no established 1:1 chat with (0 for people; -1: the members are not known). */
  groupStrangers?: number;
}

/** When to ask a human (config `confirm`). */
export type ConfirmMode = "always" | "first_contact" | "never";

/** Why a send needs a human, for the audit log and the held send. */
export type ConfirmCode = "always" | "first_contact" | "data_flow" | "group_strangers" | "group_admin" | "always_for_action";

/** The policy's verdict. `code` (the first of `codes`) is for the audit log; `reason` is what the user reads. */
export type SendDecision =
  | { action: "allow" }
  | { action: "confirm"; code: ConfirmCode; codes: ConfirmCode[]; reason: string }
  | { action: "block"; code: "not_allow_listed"; reason: string };

/** "Alice", "Alice and Bob", "Alice, Bob and Carol". */
function listNames(names: string[]): string {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/**
 * Decides a send. The allow-list is absolute: a confirmation cannot override it. Being on the
 * allow-list stands in for first contact and for strangers in a group, never for the data-flow
 * check: content from another chat needs a human whoever receives it. `never` asks nothing.
 */
export function decideSend(facts: RecipientFacts, mode: ConfirmMode): SendDecision {
  if (facts.allowListed === false) {
    return {
      action: "block",
      code: "not_allow_listed",
      reason: "the recipient is not on the configured allow-list (WHATSAPP_MCP_ALLOWED_RECIPIENTS)",
    };
  }
  if (mode === "never") return { action: "allow" };
  const found: Array<[ConfirmCode, string]> = [];
  const flow = facts.flowFrom ?? [];
  if (flow.length > 0) {
    found.push(["data_flow", `it contains text from your ${flow.length === 1 ? "chat" : "chats"} with ${listNames(flow)}`]);
  }
  if (mode === "always") found.push(["always", "every send needs the user's confirmation (confirm=always)"]);
  const vouched = facts.allowListed === true;
  if (!vouched && !facts.established) {
    found.push([
      "first_contact",
      facts.chatExists
        ? "the user has never written in this chat before (first contact)"
        : "there is no chat with this recipient yet (first contact)",
    ]);
  }
  const strangers = facts.groupStrangers ?? 0;
  if (!vouched && facts.kind === "group" && strangers !== 0) {
    found.push([
      "group_strangers",
      strangers < 0
        ? "it goes to a group whose members are not known, so some may be people you have not written to"
        : `it goes to a group with ${strangers === 1 ? "1 person" : `${strangers} people`} you have not written to`,
    ]);
  }
  if (found.length === 0) return { action: "allow" };
  return { action: "confirm", code: found[0][0], codes: found.map((f) => f[0]), reason: found.map((f) => f[1]).join("; and ") };
}

/** What happened to a confirmation request. */
export type ConfirmOutcome = "accepted" | "declined" | "cancelled" | "timeout" | "unsupported" | "failed";

/** Turns a confirmation outcome into go / no-go with the sentence the model reads. */
export function afterConfirmation(outcome: ConfirmOutcome, reason: string): { go: true } | { go: false; code: string; text: string } {
  switch (outcome) {
    case "accepted":
      return { go: true };
    case "declined":
      return { go: false, code: "declined", text: "Not sent: the user declined the confirmation." };
    case "cancelled":
      return { go: false, code: "cancelled", text: "Not sent: the user dismissed the confirmation." };
    case "timeout":
      return { go: false, code: "timeout", text: "Not sent: the confirmation got no answer in time." };
    case "unsupported":
      return {
        go: false,
        code: "confirmation_unavailable",
        text: `Not sent: confirmation required because ${reason}, and this MCP client cannot show a confirmation ` +
          "dialog (it does not support elicitation). Nothing was sent. The user can send it from their phone, " +
          "or change the send policy in the server's configuration.",
      };
    case "failed":
      return { go: false, code: "confirmation_failed", text: "Not sent: the confirmation dialog failed." };
  }
}
