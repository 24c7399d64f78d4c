/**
 * The recipient policy: given what we know about a resolved recipient, may a send go ahead,
 * does it need a human's confirmation, or is it refused? Pure; the send path gathers the facts.
 *
 * "Established" means a chat exists in which the user has written before. A chat that only the
 * other side started does not count: the classic injection comes from the attacker's own number,
 * so replying there is exactly the exfiltration channel to guard.
 */

/** What the send path found out about the recipient. */
export interface RecipientFacts {
  kind: "person" | "group";
  /** A chat exists and the user has sent in it before. */
  established: boolean;
  /** Whether a chat exists at all (for the explanation). */
  chatExists: boolean;
  /** null when no allow-list is configured. */
  allowListed: boolean | null;
}

/** When to ask a human (config `confirm`). */
export type ConfirmMode = "always" | "first_contact" | "never";

/** The policy's verdict. `code` is for the audit log. */
export type SendDecision =
  | { action: "allow" }
  | { action: "confirm"; code: "always" | "first_contact"; reason: string }
  | { action: "block"; code: "not_allow_listed"; reason: string };

/** Decides a send. The allow-list is absolute: a confirmation cannot override it. */
export function decideSend(facts: RecipientFacts, mode: ConfirmMode): SendDecision {
  if (facts.allowListed === false) {
    return {
      action: "block",
      code: "not_allow_listed",
      reason: "the recipient is not on the configured allow-list (WHATSAPP_MCP_ALLOWED_RECIPIENTS)",
    };
  }
  if (mode === "always") {
    return { action: "confirm", code: "always", reason: "every send needs the user's confirmation (confirm=always)" };
  }
  if (mode === "first_contact" && !facts.established) {
    const why = facts.chatExists
      ? "the user has never written in this chat before (first contact)"
      : "there is no chat with this recipient yet (first contact)";
    return { action: "confirm", code: "first_contact", reason: why };
  }
  return { action: "allow" };
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
