import "../sim/preload.ts";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { DisconnectReason, getBinaryNodeChild, getBinaryNodeChildren, jidDecode } from "@whiskeysockets/baileys";
import { memoryAuthState, PairingError, startSimulator } from "../sim/index.ts";
import type { Sim } from "../sim/index.ts";
import { connect, login, pairByQr } from "./client.ts";

describe("simulator: linking and login", () => {
  let sim: Sim;
  before(async () => {
    sim = await startSimulator({ phoneNumber: "15550000001" });
  });
  after(async () => {
    await sim.close();
  });

  test("QR pairing ends with 515, then saved credentials log in to connection: open", async () => {
    const auth = memoryAuthState();
    const first = connect(sim, auth);
    const { qr } = await first.waitFor("connection.update", (u) => !!u.qr);
    assert.match(qr!, /^https:\/\/wa\.me\/settings\/linked_devices#[^,]+,[^,]+,[^,]+,[^,]+,\d+$/);
    const { refs } = await sim.phone.waitForQr();
    assert.equal(refs.length, 6);
    assert.ok(qr!.includes("#" + refs[0] + ","), "the first QR shows the server's first ref");
    await sim.phone.scanQr(qr!);
    assert.equal(await first.closed, DisconnectReason.restartRequired);
    assert.equal(jidDecode(auth.creds.me?.id)?.user, "15550000001");
    assert.ok((jidDecode(auth.creds.me?.id)?.device ?? 0) > 0, "a companion gets a non-zero device id");
    assert.ok(auth.creds.account?.deviceSignature?.length, "the client signed the device identity");

    const second = await login(sim, auth);
    assert.equal(second.events("connection.update").some((u) => !!u.qr), false, "no QR when logging in with saved credentials");
    assert.match(auth.creds.me?.lid ?? "", /@lid$/);
    // A brand-new device has no pre-keys on the server: Baileys uploads its initial batch.
    const upload = sim.clientStanzas().find((s) => s.node.tag === "iq" && s.node.attrs.xmlns === "encrypt" && s.node.attrs.type === "set");
    assert.ok(upload, "the client uploaded pre-keys");
    assert.equal(getBinaryNodeChildren(getBinaryNodeChild(upload.node, "list"), "key").length, 812);
    await second.end();
  });

  test("a companion reconnects from saved credentials after its socket was closed", async () => {
    const auth = memoryAuthState();
    assert.equal(await pairByQr(sim, auth), DisconnectReason.restartRequired);
    const a = await login(sim, auth);
    await a.end();
    const b = await login(sim, auth);
    assert.equal(b.events("connection.update").some((u) => !!u.qr), false);
    await b.end();
  });

  test("pairing with a code: requestPairingCode, the phone enters it, 515, then open", async () => {
    const auth = memoryAuthState();
    const c = connect(sim, auth);
    await c.waitFor("connection.update", (u) => !!u.qr);
    const code = await c.sock.requestPairingCode("15550000001");
    assert.match(code, /^[A-Z0-9]{8}$/);
    await sim.phone.completePairingCode(code);
    assert.equal(await c.closed, DisconnectReason.restartRequired);
    assert.equal(auth.creds.registered, true);
    const open = await login(sim, auth);
    await open.end();
  });

  test("a wrong pairing code is refused by the phone and links nothing", async () => {
    const auth = memoryAuthState();
    const c = connect(sim, auth);
    await c.waitFor("connection.update", (u) => !!u.qr);
    const code = await c.sock.requestPairingCode("15550000001");
    const wrong = code.startsWith("A") ? "B" + code.slice(1) : "A" + code.slice(1);
    await assert.rejects(sim.phone.completePairingCode(wrong), PairingError);
    assert.equal(auth.creds.account, undefined);
    await c.end();
  });

  test("logout from the phone closes with 401 and the credentials stop working", async () => {
    const auth = memoryAuthState();
    await pairByQr(sim, auth);
    const c = await login(sim, auth);
    sim.logout();
    assert.equal(await c.closed, DisconnectReason.loggedOut);
    const again = connect(sim, auth);
    assert.equal(await again.closed, DisconnectReason.loggedOut);
  });

  test("another session taking over closes with 440 (connection replaced)", async () => {
    const auth = memoryAuthState();
    await pairByQr(sim, auth);
    const c = await login(sim, auth);
    sim.replaceConnection();
    assert.equal(await c.closed, DisconnectReason.connectionReplaced);
  });

  test("a dropped network connection closes with 428 and the client can log in again", async () => {
    const auth = memoryAuthState();
    await pairByQr(sim, auth);
    const c = await login(sim, auth);
    sim.dropConnection();
    assert.equal(await c.closed, DisconnectReason.connectionClosed);
    const back = await login(sim, auth);
    await back.end();
  });
});
