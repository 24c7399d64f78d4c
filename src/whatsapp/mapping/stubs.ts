/**
 * System messages (Baileys "stubs": group joins, leaves, subject changes...) as the line a
 * history shows, e.g. `added +491701234567`; the acting person is the message's sender. Pure.
 */
import { proto } from "@whiskeysockets/baileys";
import { plusPhoneOf } from "../../ids/phone.ts";

const T = proto.WebMessageInfo.StubType;

/** A participant parameter (rc14 writes JSON `{ id, phoneNumber?, lid? }`, older ones a bare JID) as a phone number or JID. */
export function stubPerson(param: string): string {
  let jid = param;
  try {
    const p = JSON.parse(param) as { id?: unknown; phoneNumber?: unknown };
    jid = String(p.phoneNumber ?? p.id ?? param);
  } catch {
    // a bare JID
  }
  return plusPhoneOf(jid) ?? jid;
}

/** The history line of a stub of type `stub` with Baileys' `messageStubParameters`. */
export function describeStub(stub: number, params: readonly string[] | null | undefined): string {
  const ps = params ?? [];
  const people = ps.map(stubPerson).join(", ");
  const quoted = (s: string | undefined) => JSON.stringify(s ?? "");
  switch (stub) {
    case T.GROUP_CREATE:
      return `created the group ${quoted(ps[0])}`;
    case T.GROUP_CHANGE_SUBJECT:
      return `changed the group name to ${quoted(ps[0])}`;
    case T.GROUP_CHANGE_DESCRIPTION:
      return ps[0] ? `changed the group description to ${quoted(ps[0])}` : "removed the group description";
    case T.GROUP_PARTICIPANT_ADD:
      return `added ${people}`;
    case T.GROUP_PARTICIPANT_INVITE:
      return "joined using an invite link";
    case T.GROUP_PARTICIPANT_REMOVE:
      return `removed ${people}`;
    case T.GROUP_PARTICIPANT_LEAVE:
      return "left";
    case T.GROUP_PARTICIPANT_PROMOTE:
      return `made ${people} admin`;
    case T.GROUP_PARTICIPANT_DEMOTE:
      return `removed admin rights of ${people}`;
    case T.GROUP_CHANGE_INVITE_LINK:
      return "reset the group's invite link";
    case T.GROUP_CHANGE_ANNOUNCE:
      return ps[0] === "on" ? "allowed only admins to send messages" : "allowed all members to send messages";
    case T.GROUP_CHANGE_RESTRICT:
      return ps[0] === "on" ? "allowed only admins to edit the group info" : "allowed all members to edit the group info";
    default:
      return T[stub] ?? `STUB_${stub}`;
  }
}
