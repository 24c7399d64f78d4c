/** Every tool, in the order tools/list shows them: the original's first, then the additions. */
import type { AnyTool } from "../tool.ts";
import { checkBridgeStatus } from "./check_bridge_status.ts";
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
import { listPendingSends } from "./list_pending_sends.ts";
import { markRead } from "./mark_read.ts";
import { requestChatHistory } from "./request_chat_history.ts";
import { searchContacts } from "./search_contacts.ts";
import { sendAudioMessage } from "./send_audio_message.ts";
import { sendFile } from "./send_file.ts";
import { sendMessage } from "./send_message.ts";
import { sendReaction } from "./send_reaction.ts";

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
  getSyncStatus,
  checkBridgeStatus,
  sendReaction,
  editMessage,
  deleteMessage,
  markRead,
  requestChatHistory,
  getGroupInfo,
  getSendStatus,
  listPendingSends,
];

export { isSendTool } from "../write_tools.ts";
