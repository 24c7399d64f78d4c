/**
 * Child process for the "stdout stays clean" test: runs the real connection core (real Baileys,
 * Baileys log level trace) against a port where nothing listens, until the first close is
 * handled, then exits. It also prints as libsignal does (`console.info("Closing session:", record)`).
 * The parent asserts that stdout is empty, stderr has Baileys' lines, and no key material leaked.
 */
import { configureLogging } from "../../../src/log.ts";
import { ConnectionCore } from "../../../src/whatsapp/connection_core.ts";
import { memoryRepo } from "../memory_repo.ts";

configureLogging({ level: "debug" });
const repo = memoryRepo();
let closes = 0;
const core = new ConnectionCore(
  {
    authRepo: repo,
    repo,
    baseUrl: "http://127.0.0.1:8080",
    logLevel: "trace",
    waWebSocketUrl: "ws://127.0.0.1:9/ws/chat",
    connectTimeoutMs: 2000,
    random: () => 0,
  },
  {
    now: () => Date.now(),
    setTimer(_ms, _fn) {
      // The first retry is scheduled after the first close: that is our signal to finish.
      closes++;
      setTimeout(() => process.exit(0), 50);
      return () => {};
    },
    tell: () => {},
    fail: (e) => {
      console.error("probe failed", e);
      process.exit(2);
    },
  },
);
await core.start();
// What libsignal does when it closes a session (the record holds private keys).
console.info("Closing session:", { privKey: "PRIVATE-KEY-MATERIAL", registrationId: 207 });
console.log("Opening session:", { privKey: "PRIVATE-KEY-MATERIAL" });
setTimeout(() => {
  console.error(`probe timed out (closes=${closes})`);
  process.exit(3);
}, 15_000);
