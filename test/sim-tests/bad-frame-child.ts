/**
 * Child process for faults.test.ts: connects real Baileys to the simulator, injects a bad frame
 * and prints what happened as one `SIMRESULT {json}` line. Runs in its own process because
 * Baileys turns bad frames into unhandled promise rejections, which `deno test` always counts
 * as failures. Args: <stanza|cipher> [no-handler].
 */
import "../sim/preload.ts";
import process from "node:process";
import { memoryAuthState, startSimulator } from "../sim/index.ts";
import { login, pairByQr } from "./client.ts";

const kind = process.argv[2] === "cipher" ? "cipher" : "stanza";
const unhandled: string[] = [];
if (process.argv[3] !== "no-handler") {
  process.on("unhandledRejection", (r: unknown) => unhandled.push(r instanceof Error ? r.message : String(r)));
}
const sim = await startSimulator();
const auth = memoryAuthState();
await pairByQr(sim, auth);
const client = await login(sim, auth, kind === "cipher" ? { keepAliveIntervalMs: 500 } : {});
const result: { unhandled: string[]; arrived?: boolean; closedWith?: number } = { unhandled };
sim.sendMalformedFrame(kind);
if (kind === "stanza") {
  const sent = await sim.contact("15551230005", { name: "Erin" }).sendText("after the bad frame");
  result.arrived = await client.waitFor("messages.upsert", (u) => u.messages.some((m) => m.key.id === sent.id), 5000).then(
    () => true,
    () => false,
  );
  await client.end();
} else {
  result.closedWith = await client.closed;
}
await sim.close();
console.log("SIMRESULT " + JSON.stringify(result));
process.exit(0);
