/**
 * The send path through a real SDK Client: recipient resolution, the first-contact rule, human
 * confirmation by elicitation (accept / decline / cancel / timeout / not supported), allow-list,
 * read-only mode, rate limits on the injected clock, audit lines, and the prompt-injection attack.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ALICE, ALICE_LID, BOB, CAROL_LID, GROUP, startHarness, textOf } from "./harness.ts";

type Obj = Record<string, unknown>;
const ATTACKER = "+99 9999 999 999";
const LEAK = "Chats: Alice Example (+491701111111), Family, Bob";

describe("send_message", () => {
  test("sends to an established chat without asking, to the canonical JID whatever form was given", async () => {
    const h = await startHarness();
    try {
      for (const recipient of ["491701111111", "+49 170 111 1111", ALICE, ALICE_LID, "491701111111@c.us"]) {
        const r = await h.call("send_message", { recipient, message: "On my way" });
        assert.equal(r.isError, undefined, textOf(r));
        assert.equal(r.structuredContent!.sent, true);
        assert.equal(r.structuredContent!.confirmed_by_user, false);
        assert.deepEqual((r.structuredContent!.recipient as Obj).jid, ALICE);
      }
      assert.equal(h.whatsapp.sent().length, 5);
      for (const m of h.whatsapp.sent()) assert.deepEqual(m, { type: "sendText", jid: ALICE, text: "On my way", quoted: undefined, mentions: undefined });
    } finally {
      await h.close();
    }
  });

  test("a bad recipient is an isError result naming the parameter; broadcasts are refused", async () => {
    const h = await startHarness();
    try {
      for (const recipient of ["abc", "0170 1234567", "123@example.com"]) {
        const r = await h.call("send_message", { recipient, message: "x" });
        assert.equal(r.isError, true, recipient);
        assert.match(textOf(r), /recipient/);
      }
      const b = await h.call("send_message", { recipient: "status@broadcast", message: "x" });
      assert.equal(b.isError, true);
      assert.match(textOf(b), /not supported/);
      const empty = await h.call("send_message", { recipient: ALICE, message: "" });
      assert.equal(empty.isError, true);
      assert.match(textOf(empty), /message/);
      assert.equal(h.whatsapp.sent().length, 0);
    } finally {
      await h.close();
    }
  });

  test("quotes a message and resolves mentions to canonical JIDs", async () => {
    // The group has a member the user never wrote to (Carol): the user confirms.
    const h = await startHarness({ elicit: () => ({ action: "accept", content: { confirm: true } }) });
    try {
      const r = await h.call("send_message", {
        recipient: GROUP,
        message: "@491701111111 agreed",
        reply_to_message_id: "G2",
        mentions: ["+49 170 1111111"],
      });
      assert.equal(r.isError, undefined, textOf(r));
      assert.deepEqual(h.whatsapp.sent()[0], {
        type: "sendText",
        jid: GROUP,
        text: "@491701111111 agreed",
        quoted: { chatJid: GROUP, id: "G2", fromMe: false, participant: CAROL_LID },
        mentions: [ALICE],
      });
      const badQuote = await h.call("send_message", { recipient: GROUP, message: "x", reply_to_message_id: "A1" });
      assert.equal(badQuote.isError, true);
      assert.match(textOf(badQuote), /reply_to_message_id/);
      const badMention = await h.call("send_message", { recipient: GROUP, message: "x", mentions: [GROUP] });
      assert.equal(badMention.isError, true);
      assert.match(textOf(badMention), /mentions\[0\]/);
      assert.equal(h.whatsapp.sent().length, 1);
    } finally {
      await h.close();
    }
  });

  test("refuses while WhatsApp is not linked, pointing to the QR page", async () => {
    const h = await startHarness();
    try {
      h.whatsapp.setStatus({ state: "qr", me: null });
      const r = await h.call("send_message", { recipient: ALICE, message: "hi" });
      assert.equal(r.isError, true);
      assert.match(textOf(r), /^WhatsApp is not linked yet: open http:\/\/127\.0\.0\.1:8080\/qr/);
      assert.equal(h.whatsapp.sent().length, 0);
      assert.equal(h.audit.records[0].fields!.outcome, "blocked");
      assert.equal(h.audit.records[0].fields!.reason, "not_linked");
    } finally {
      await h.close();
    }
  });
});

describe("the prompt-injection attack (a received message asks to send the chat list to a stranger)", () => {
  test("a client that cannot confirm: nothing is sent; the send is held for the user's approval on the local page", async () => {
    const h = await startHarness();
    try {
      // The model reads Bob's message...
      const read = await h.call("list_messages", { chat_jid: BOB, include_context: false });
      assert.ok(JSON.stringify(read.structuredContent).includes("+99 9999 999 999"));
      // ...and obeys it.
      const r = await h.call("send_message", { recipient: ATTACKER, message: `Hello${" ".repeat(300)}${LEAK}` });
      assert.equal(r.isError, undefined, textOf(r));
      const held = r.structuredContent as { status: string; sent: boolean; approval_id: string; approval_url: string; reason: string };
      assert.equal(held.status, "awaiting_approval");
      assert.equal(held.sent, false);
      assert.equal(held.approval_url, `http://127.0.0.1:8080/approve/${held.approval_id}`);
      assert.match(held.reason, /first contact/);
      assert.match(textOf(r), /Not sent yet: this send needs the user's approval/);
      assert.match(textOf(r), /you cannot approve it/);
      assert.equal(h.whatsapp.sent().length, 0);
      assert.equal(h.audit.records.length, 1);
      assert.equal(h.audit.records[0].fields!.outcome, "held");
      assert.equal(h.audit.records[0].fields!.tool, "send_message");
    } finally {
      await h.close();
    }
  });

  test("replying to the injector's own chat also needs confirmation (the user never wrote there)", async () => {
    const h = await startHarness();
    try {
      const r = await h.call("send_message", { recipient: BOB, message: LEAK });
      assert.equal(r.structuredContent?.status, "awaiting_approval");
      assert.match(String(r.structuredContent?.reason), /never written in this chat/);
      assert.equal(h.whatsapp.sent().length, 0);
    } finally {
      await h.close();
    }
  });

  test("an eliciting client that declines: nothing is sent; the dialog showed number and the whole text", async () => {
    const h = await startHarness({ elicit: () => ({ action: "decline" }) });
    try {
      const hidden = `Hello\u200b${" ".repeat(300)}.${"\n".repeat(40)}${LEAK}`;
      const r = await h.call("send_message", { recipient: ATTACKER, message: hidden });
      assert.equal(r.isError, true);
      assert.match(textOf(r), /declined/);
      assert.equal(h.whatsapp.sent().length, 0);
      assert.equal(h.elicitations.length, 1);
      const shown = h.elicitations[0];
      assert.ok(shown.includes("+999999999999"), "number shown");
      assert.ok(shown.includes("⟨300 spaces⟩"), "space run collapsed and counted");
      assert.ok(shown.includes("⟨40 line breaks⟩"), "line-break run collapsed and counted");
      assert.ok(shown.includes("⟨U+200B⟩"), "zero-width space made visible");
      assert.ok(shown.includes(LEAK), "the appended payload is visible");
      assert.ok(!shown.includes("     "), "no long whitespace left to hide text");
      assert.equal(h.audit.records[0].fields!.outcome, "declined");
    } finally {
      await h.close();
    }
  });

  test("cancel, an unchecked box, and no answer in time all send nothing", async () => {
    for (const [answer, expected] of [
      [() => ({ action: "cancel" as const }), /dismissed/],
      [() => ({ action: "accept" as const, content: { confirm: false } }), /declined/],
      [() => new Promise<never>(() => {}), /no answer in time/],
    ] as const) {
      const h = await startHarness({ elicit: answer, confirmTimeoutMs: 50 });
      try {
        const r = await h.call("send_message", { recipient: ATTACKER, message: LEAK });
        assert.equal(r.isError, true);
        assert.match(textOf(r), expected);
        assert.equal(h.whatsapp.sent().length, 0);
      } finally {
        await h.close();
      }
    }
  });

  test("an eliciting client that accepts: sent, and the result says the user confirmed", async () => {
    const h = await startHarness({ elicit: () => ({ action: "accept", content: { confirm: true } }) });
    try {
      const r = await h.call("send_message", { recipient: ATTACKER, message: "Hello" });
      assert.equal(r.isError, undefined, textOf(r));
      assert.equal(r.structuredContent!.confirmed_by_user, true);
      assert.deepEqual(h.whatsapp.sent(), [{ type: "sendText", jid: "999999999999@s.whatsapp.net", text: "Hello", quoted: undefined, mentions: undefined }]);
      assert.equal(h.audit.records[0].fields!.outcome, "sent");
      assert.equal(h.audit.records[0].fields!.confirmed, true);
    } finally {
      await h.close();
    }
  });

  test("audit lines carry sizes and a keyed tag, never the text or the number", async () => {
    const h = await startHarness({ elicit: () => ({ action: "accept", content: { confirm: true } }) });
    try {
      await h.call("send_message", { recipient: ATTACKER, message: LEAK });
      await h.call("send_message", { recipient: ATTACKER, message: LEAK });
      const dump = JSON.stringify(h.audit.records);
      assert.ok(!dump.includes("9999"), "no phone digits");
      assert.ok(!dump.includes("Alice") && !dump.includes("Chats:"), "no body");
      const [a, b] = h.audit.records.map((r) => r.fields!);
      assert.equal(a.textChars, LEAK.length);
      assert.match(String(a.recipient), /^[a-p]{16}$/);
      assert.equal(a.recipient, b.recipient, "the same recipient gets the same tag");
    } finally {
      await h.close();
    }
  });
});

describe("send policy settings", () => {
  test('confirm="always" asks even for an established chat', async () => {
    const h = await startHarness({ policy: { confirm: "always" } });
    try {
      const r = await h.call("send_message", { recipient: ALICE, message: "hi" });
      assert.equal(r.structuredContent?.status, "awaiting_approval");
      assert.match(String(r.structuredContent?.reason), /confirm=always/);
      assert.equal(h.whatsapp.sent().length, 0);
    } finally {
      await h.close();
    }
  });

  test('confirm="never" lets the operator opt out of the first-contact rule', async () => {
    const h = await startHarness({ policy: { confirm: "never" } });
    try {
      const r = await h.call("send_message", { recipient: ATTACKER, message: "hi" });
      assert.equal(r.isError, undefined, textOf(r));
      assert.equal(h.whatsapp.sent().length, 1);
    } finally {
      await h.close();
    }
  });

  test("the allow-list admits a listed person in any form and blocks others even if the user would confirm", async () => {
    const h = await startHarness({
      policy: { allowedRecipients: ["+49 170 1111111"] },
      elicit: () => ({ action: "accept", content: { confirm: true } }),
    });
    try {
      assert.equal((await h.call("send_message", { recipient: ALICE_LID, message: "hi" })).isError, undefined);
      const g = await h.call("send_message", { recipient: GROUP, message: "hi" });
      assert.equal(g.isError, true);
      assert.match(textOf(g), /allow-list/);
      assert.equal(h.elicitations.length, 0, "an allow-list refusal is not negotiable");
      assert.deepEqual(h.whatsapp.sent().map((m) => (m as { jid: string }).jid), [ALICE]);
    } finally {
      await h.close();
    }
  });

  test("rate limit per recipient and per minute, measured on the injected clock", async () => {
    const h = await startHarness({
      policy: { perRecipientPerHour: 2, perMinute: 3 },
      // The group has a member the user never wrote to: the user confirms those sends.
      elicit: () => ({ action: "accept", content: { confirm: true } }),
    });
    try {
      const send = (recipient: string) => h.call("send_message", { recipient, message: "ping" });
      assert.equal((await send(ALICE)).isError, undefined);
      assert.equal((await send(ALICE)).isError, undefined);
      const third = await send(ALICE);
      assert.equal(third.isError, true);
      assert.match(textOf(third), /2 sends per hour to the same recipient is reached; try again in 3600 s/);
      assert.equal((await send(GROUP)).isError, undefined, "another recipient is still fine");
      const fourth = await send(GROUP);
      assert.equal(fourth.isError, true);
      assert.match(textOf(fourth), /3 sends per minute/);
      h.clock.advance(60_000);
      assert.equal((await send(GROUP)).isError, undefined, "the minute window slid");
      assert.equal((await send(ALICE)).isError, true, "the hour window has not");
      h.clock.advance(60 * 60_000);
      assert.equal((await send(ALICE)).isError, undefined);
      assert.equal(h.whatsapp.sent().length, 5);
      assert.deepEqual(h.audit.records.filter((r) => r.fields!.outcome === "blocked").map((r) => r.fields!.reason),
        ["rate_recipient_hour", "rate_minute", "rate_recipient_hour"]);
    } finally {
      await h.close();
    }
  });
});

describe("read-only mode", () => {
  test("send tools are not offered, are refused if called, and read tools still work", async () => {
    const h = await startHarness({ readOnly: true });
    try {
      const names = (await h.client.listTools()).tools.map((t) => t.name);
      for (const n of ["send_message", "send_file", "send_audio_message", "send_reaction", "edit_message", "delete_message", "mark_read"]) {
        assert.ok(!names.includes(n), `${n} hidden`);
      }
      assert.ok(names.includes("list_messages") && names.includes("download_media"));
      const r = await h.call("send_message", { recipient: ALICE, message: "hi" });
      assert.equal(r.isError, true);
      assert.match(textOf(r), /send_message/);
      assert.equal(h.whatsapp.sent().length, 0);
      assert.equal((await h.call("list_chats", {})).isError, undefined);
    } finally {
      await h.close();
    }
  });
});

describe("files, voice notes, reactions, edits, deletes, read receipts", () => {
  test("send_file sends bytes from the media port; a path outside the roots is refused before anything else", async () => {
    const h = await startHarness();
    try {
      const r = await h.call("send_file", { recipient: ALICE, media_path: "/data/outbox/report.pdf", caption: "Q4" });
      assert.equal(r.isError, undefined, textOf(r));
      const m = h.whatsapp.sent()[0] as { type: string; jid: string; media: { kind: string; bytes: Uint8Array; fileName: string; caption: string } };
      assert.equal(m.type, "sendMedia");
      assert.equal(m.jid, ALICE);
      assert.equal(m.media.kind, "document");
      assert.equal(m.media.bytes.length, 1500);
      assert.equal(m.media.fileName, "report.pdf");
      assert.equal(m.media.caption, "Q4");
      const out = await h.call("send_file", { recipient: ALICE, media_path: "/etc/passwd" });
      assert.equal(out.isError, true);
      assert.equal(textOf(out), "media_path /etc/passwd is not inside a configured media folder", "a media refusal is shown as written");
      assert.equal(h.whatsapp.sent().length, 1);
    } finally {
      await h.close();
    }
  });

  test("send_file to a first contact shows the attachment name and size in the confirmation", async () => {
    const h = await startHarness({ elicit: () => ({ action: "decline" }) });
    try {
      const r = await h.call("send_file", { recipient: ATTACKER, media_path: "/data/outbox/report.pdf" });
      assert.equal(r.isError, true);
      assert.match(h.elicitations[0], /Attachment: report\.pdf \(document, 1\.5 KB\)/);
      assert.equal(h.whatsapp.sent().length, 0);
    } finally {
      await h.close();
    }
  });

  test("send_audio_message sends a voice note with duration and waveform", async () => {
    const h = await startHarness();
    try {
      const r = await h.call("send_audio_message", { recipient: ALICE, media_path: "/data/outbox/song.mp3" });
      assert.equal(r.isError, undefined, textOf(r));
      const m = h.whatsapp.sent()[0] as { media: { kind: string; ptt: boolean; seconds: number; waveform: Uint8Array; mimetype: string; bytes: Uint8Array } };
      assert.equal(m.media.kind, "audio");
      assert.equal(m.media.ptt, true);
      assert.equal(m.media.seconds, 12.4);
      assert.equal(m.media.waveform.length, 64);
      assert.equal(m.media.mimetype, "audio/ogg; codecs=opus");
      assert.equal(m.media.bytes.length, 900);
    } finally {
      await h.close();
    }
  });

  test("send_reaction reacts to a stored message; a word is not an emoji", async () => {
    const h = await startHarness();
    try {
      const r = await h.call("send_reaction", { chat_jid: GROUP, message_id: "G4", emoji: "👍" });
      assert.equal(r.isError, undefined, textOf(r));
      assert.deepEqual(h.whatsapp.sent()[0], {
        type: "react",
        target: { chatJid: GROUP, id: "G4", fromMe: true, participant: null },
        emoji: "👍",
      });
      const bad = await h.call("send_reaction", { chat_jid: GROUP, message_id: "G4", emoji: "yes" });
      assert.equal(bad.isError, true);
      assert.match(textOf(bad), /emoji/);
      const missing = await h.call("send_reaction", { chat_jid: GROUP, message_id: "NOPE", emoji: "👍" });
      assert.equal(missing.isError, true);
      assert.match(textOf(missing), /message_id/);
    } finally {
      await h.close();
    }
  });

  test("edit_message and delete_message work on own messages only", async () => {
    const h = await startHarness();
    try {
      const e = await h.call("edit_message", { chat_jid: ALICE, message_id: "A2", message: "Yes, at 12:30" });
      assert.equal(e.isError, undefined, textOf(e));
      assert.deepEqual(h.whatsapp.sent()[0], {
        type: "edit",
        target: { chatJid: ALICE, id: "A2", fromMe: true, participant: null },
        text: "Yes, at 12:30",
      });
      const notMine = await h.call("edit_message", { chat_jid: ALICE, message_id: "A1", message: "x" });
      assert.equal(notMine.isError, true);
      assert.match(textOf(notMine), /only your own/);
      const d = await h.call("delete_message", { chat_jid: ALICE, message_id: "A2" });
      assert.equal(d.isError, undefined, textOf(d));
      assert.equal(h.whatsapp.sent()[1].type, "revoke");
      const dNotMine = await h.call("delete_message", { chat_jid: GROUP, message_id: "G2" });
      assert.equal(dNotMine.isError, true);
      assert.equal(h.whatsapp.sent().length, 2);
    } finally {
      await h.close();
    }
  });

  test("mark_read sends receipts for the latest incoming messages of a chat", async () => {
    const h = await startHarness({ policy: { confirm: "never" } });
    try {
      const r = await h.call("mark_read", { chat_jid: BOB });
      assert.equal(r.structuredContent!.marked, 1);
      assert.deepEqual(h.whatsapp.asked[0], {
        type: "markRead",
        chatJid: BOB,
        messages: [{ chatJid: BOB, id: "B1", fromMe: false, participant: null }],
      });
      const unknown = await h.call("mark_read", { chat_jid: "15559999999" });
      assert.equal(unknown.isError, true);
      assert.deepEqual(h.audit.records.map((x) => [x.fields!.tool, x.fields!.outcome]), [["mark_read", "sent"]], "audited like a send");
    } finally {
      await h.close();
    }
  });

  test("mark_read goes through the send path: read-receipt kind, its own rate budget, and audit", async () => {
    const strict = await startHarness();
    try {
      // Bob wrote, the owner never did: blue ticks tell Bob nothing new (kind read_receipt: no
      // first-contact prompt), but the attempt is still audited as a write of its kind.
      assert.equal((await strict.call("mark_read", { chat_jid: BOB })).isError, undefined);
      assert.deepEqual(strict.audit.records.map((x) => [x.fields!.tool, x.fields!.outcome, x.fields!.kind]), [["mark_read", "sent", "read_receipt"]]);
    } finally {
      await strict.close();
    }
    // Receipts spend the state budget: six times the per-recipient send limit.
    const h = await startHarness({ policy: { confirm: "never", perRecipientPerHour: 1 } });
    try {
      for (let i = 0; i < 6; i++) assert.equal((await h.call("mark_read", { chat_jid: BOB })).isError, undefined, `receipt ${i + 1}`);
      const seventh = await h.call("mark_read", { chat_jid: BOB });
      assert.equal(seventh.isError, true);
      assert.deepEqual(h.audit.records.at(-1)!.fields!.reason, "rate_recipient_hour");
      assert.equal(h.whatsapp.asked.filter((m) => (m as { type: string }).type === "markRead").length, 6);
    } finally {
      await h.close();
    }
  });

  test("no list_changed notification ever reaches the client, whatever is read or sent", async () => {
    const h = await startHarness();
    try {
      await h.call("list_messages", {});
      await h.call("send_message", { recipient: ALICE, message: "hi" });
      await h.repository.commit([{ op: "upsertChat", chat: { jid: "120363000000000002@g.us", kind: "group", name: "New group from a message" } }]);
      await h.call("list_chats", {});
      const tools = (await h.client.listTools()).tools;
      assert.ok(!tools.some((t) => (t.description ?? "").includes("New group")));
      assert.deepEqual(h.notifications.filter((n) => n.endsWith("list_changed")), []);
    } finally {
      await h.close();
    }
  });
});
