/** Every tool, in the order tools/list shows them: the original's first, then the additions. */
import type { AnyTool } from "../tool.ts";
import { archiveChat } from "./archive_chat.ts";
import { checkBridgeStatus } from "./check_bridge_status.ts";
import { checkOnWhatsApp } from "./check_on_whatsapp.ts";
import { markUnread } from "./mark_unread.ts";
import { muteChat } from "./mute_chat.ts";
import { pinChat } from "./pin_chat.ts";
import { createGroup } from "./create_group.ts";
import { forwardMessage } from "./forward_message.ts";
import { sendContact } from "./send_contact.ts";
import { sendLocation } from "./send_location.ts";
import { groupInviteLink } from "./group_invite_link.ts";
import { groupParticipants } from "./group_participants.ts";
import { joinGroup } from "./join_group.ts";
import { leaveGroup } from "./leave_group.ts";
import { updateGroup } from "./update_group.ts";
import { deleteMessage } from "./delete_message.ts";
import { downloadMedia } from "./download_media.ts";
import { editMessage } from "./edit_message.ts";
import { getChat } from "./get_chat.ts";
import { getContactChats } from "./get_contact_chats.ts";
import { getDirectChatByContact } from "./get_direct_chat_by_contact.ts";
import { getGroupInfo } from "./get_group_info.ts";
import { getLastInteraction } from "./get_last_interaction.ts";
import { getMessageContext } from "./get_message_context.ts";
import { getSendStatus } from "./get_send_status.ts";
import { getSyncStatus } from "./get_sync_status.ts";
import { listChats } from "./list_chats.ts";
import { listMessages } from "./list_messages.ts";
import { listUnread } from "./list_unread.ts";
import { listPendingSends } from "./list_pending_sends.ts";
import { markRead } from "./mark_read.ts";
import { requestChatHistory } from "./request_chat_history.ts";
import { searchContacts } from "./search_contacts.ts";
import { sendAudioMessage } from "./send_audio_message.ts";
import { sendFile } from "./send_file.ts";
import { sendMessage } from "./send_message.ts";
import { sendReaction } from "./send_reaction.ts";
import { waitForMessagesTool } from "./wait_for_messages.ts";
import { viewMedia } from "./view_media.ts";
import { cancelScheduled } from "./cancel_scheduled.ts";
import { listScheduled } from "./list_scheduled.ts";
import { scheduleMessage } from "./schedule_message.ts";

/** All tools. */
export const ALL_TOOLS: readonly AnyTool[] = [
  searchContacts,
  listMessages,
  listChats,
  getChat,
  getDirectChatByContact,
  getContactChats,
  getLastInteraction,
  getMessageContext,
  sendMessage,
  sendFile,
  sendAudioMessage,
  downloadMedia,
  viewMedia,
  getSyncStatus,
  checkBridgeStatus,
  sendReaction,
  editMessage,
  deleteMessage,
  markRead,
  requestChatHistory,
  getGroupInfo,
  listUnread,
  waitForMessagesTool,
  sendLocation,
  sendContact,
  forwardMessage,
  createGroup,
  updateGroup,
  groupParticipants,
  groupInviteLink,
  joinGroup,
  leaveGroup,
  archiveChat,
  pinChat,
  muteChat,
  markUnread,
  checkOnWhatsApp,
  getSendStatus,
  listPendingSends,
  scheduleMessage,
  listScheduled,
  cancelScheduled,
];

export { isSendTool } from "../write_tools.ts";
