/**
 * The one identity rule: JID normal forms, the E.164 phone digit rule, parsing of what a model or
 * a person types, and the canonical person of a LID/phone pair.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { canonicalChat, canonicalPerson, emptyContext, lidPnPair } from "../../src/ids/canonical.ts";
import { chatKindOf, isChatJid, jidOf, normalizeJid } from "../../src/ids/jid.ts";
import { parseJid, personCandidates, RecipientError } from "../../src/ids/parse.ts";
import { phoneDigits, phoneOf, plusPhoneOf } from "../../src/ids/phone.ts";

describe("normalizeJid", () => {
  test("drops device and agent suffixes of person JIDs and lowercases the server", () => {
    assert.equal(normalizeJid("491701234567:12@s.whatsapp.net"), "491701234567@s.whatsapp.net");
    assert.equal(normalizeJid("491701234567_1:3@S.WhatsApp.Net"), "491701234567@s.whatsapp.net");
    assert.equal(normalizeJid(" 12345:7@lid "), "12345@lid");
  });

  test("maps the aliases of the person servers: c.us and hosted to s.whatsapp.net, hosted.lid to lid", () => {
    assert.equal(normalizeJid("491701234567@c.us"), "491701234567@s.whatsapp.net");
    assert.equal(normalizeJid("491701234567:99@hosted"), "491701234567@s.whatsapp.net");
    assert.equal(normalizeJid("12345:99@hosted.lid"), "12345@lid");
  });

  test("keeps groups, broadcasts and channels as they are; strings without @ come back trimmed", () => {
    assert.equal(normalizeJid("120363012345678901@g.us"), "120363012345678901@g.us");
    assert.equal(normalizeJid("status@broadcast"), "status@broadcast");
    assert.equal(normalizeJid(" abc "), "abc");
  });

  test("jidOf is null for what is not a JID", () => {
    for (const v of [null, undefined, "", "abc", "@s.whatsapp.net"]) assert.equal(jidOf(v), null, String(v));
    assert.equal(jidOf("491701234567:2@hosted"), "491701234567@s.whatsapp.net");
  });

  test("chat kinds and the chats we mirror", () => {
    assert.equal(chatKindOf("1@g.us"), "group");
    assert.equal(chatKindOf("status@broadcast"), "broadcast");
    assert.equal(chatKindOf("1@newsletter"), "newsletter");
    assert.equal(chatKindOf("1@lid"), "person");
    assert.equal(isChatJid("1@lid"), true);
    assert.equal(isChatJid("1@bot"), false);
  });
});

describe("phoneDigits (E.164: country code first digit 1-9, 7 to 15 digits)", () => {
  test("accepts + or 00 before the country code and spaces, dashes, dots, brackets anywhere", () => {
    for (const s of ["+49 (151) 123-45678", "0049 151 12345678", "49.151.123.456.78", "4915112345678", "+49\u00a0151 12345678"]) {
      assert.equal(phoneDigits(s), "4915112345678", s);
    }
    assert.equal(phoneDigits("1.415.555.0100"), "14155550100");
  });

  test("the shortest (7) and longest (15) lengths pass; 6 and 16 do not", () => {
    assert.equal(phoneDigits("+290 1234"), "2901234");
    assert.equal(phoneDigits("1".repeat(15)), "1".repeat(15));
    assert.equal(phoneDigits("+290 123"), null);
    assert.equal(phoneDigits("1".repeat(16)), null);
  });

  test("refuses a national number with a trunk 0, letters, and empty input", () => {
    for (const bad of ["", "0151 1234567", "0 49 151 12345678", "+49 151 abc", "12345", "++49151123456"]) {
      assert.equal(phoneDigits(bad), null, bad);
    }
  });

  test("phoneOf and plusPhoneOf read phone-number JIDs only", () => {
    assert.equal(phoneOf("491701234567:3@s.whatsapp.net"), "491701234567");
    assert.equal(plusPhoneOf("491701234567@c.us"), "+491701234567");
    assert.equal(phoneOf("12345@lid"), null);
    assert.equal(plusPhoneOf(null), null);
  });
});

describe("parseJid", () => {
  test("a phone number and every JID form of it give one JID", () => {
    const forms = ["+49 170 1234567", "491701234567@s.whatsapp.net", "491701234567:4@hosted", "491701234567@c.us"];
    for (const s of forms) assert.equal(parseJid(s, "x").jid, "491701234567@s.whatsapp.net", s);
    assert.deepEqual(parseJid("12345:99@hosted.lid", "x"), { kind: "lid", jid: "12345@lid" });
  });

  test("a phone JID follows the digit rule like a typed number", () => {
    assert.throws(() => parseJid("12345@s.whatsapp.net", "jid"), RecipientError);
    assert.throws(() => parseJid("0151 1234567", "jid"), RecipientError);
  });

  test("personCandidates: the phone JID for a number, the LID for plain digits", () => {
    assert.deepEqual(personCandidates("+1 (415) 555-0100"), ["14155550100@s.whatsapp.net"]);
    assert.deepEqual(personCandidates("14155550100"), ["14155550100@s.whatsapp.net", "14155550100@lid"]);
    assert.deepEqual(personCandidates("000"), ["000@lid"]);
    assert.deepEqual(personCandidates("1:2@hosted.lid"), ["1@lid"]);
    assert.deepEqual(personCandidates("not a number"), []);
  });
});

describe("canonical person", () => {
  const ctx = { meId: null, meLid: null, lidToPn: new Map([["777@lid", "491701234567@s.whatsapp.net"]]) };

  test("a hosted LID and its phone pair up like plain ones", () => {
    assert.deepEqual(lidPnPair("777:99@hosted.lid", "491701234567:99@hosted"), { lid: "777@lid", pnJid: "491701234567@s.whatsapp.net" });
    assert.equal(canonicalPerson("777:1@hosted.lid", null, ctx), "491701234567@s.whatsapp.net");
    assert.equal(canonicalChat("777@lid", null, ctx), "491701234567@s.whatsapp.net");
  });

  test("chats we do not mirror have no canonical form", () => {
    assert.equal(canonicalChat("1@bot", null, emptyContext()), null);
    assert.equal(canonicalChat("1@g.us", null, emptyContext()), "1@g.us");
  });
});
