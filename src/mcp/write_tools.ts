/**
 * Names of the tools that act on WhatsApp as the user (hidden in read-only mode; need the send
 * scope). A plain list so the stdio front and the HTTP app can check names without loading the
 * tools; test/mcp checks it against the tools' own `access`.
 */
export const WRITE_TOOL_NAMES: ReadonlySet<string> = new Set([
  "send_message",
  "send_file",
  "send_audio_message",
  "send_reaction",
  "edit_message",
  "delete_message",
  "mark_read",
  "send_location",
  "send_contact",
  "forward_message",
  "create_group",
  "update_group",
  "group_participants",
  "group_invite_link",
  "join_group",
  "leave_group",
  "archive_chat",
  "pin_chat",
  "mute_chat",
  "mark_unread",
  "schedule_message",
  "cancel_scheduled",
]);

/** True for tools that act on WhatsApp as the user. */
export function isSendTool(name: string): boolean {
  return WRITE_TOOL_NAMES.has(name);
}
