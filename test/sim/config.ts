/** The Baileys socket settings a test needs to talk to the simulator instead of WhatsApp. */
import { Agent } from "node:https";
import type { UserFacingSocketConfig, WAVersion } from "@whiskeysockets/baileys";
import { MEDIA_TEST_CA } from "./media-cert.ts";

/** A fixed WA Web version: tests must never call fetchLatestBaileysVersion/fetchLatestWaWebVersion (network). */
export const SIM_WA_VERSION: WAVersion = [2, 3000, 1023223821];

/**
 * Socket config overrides for the simulator: its WebSocket URL, a fixed version, and (when the
 * media host runs) an https Agent trusting the test CA for uploads on Node. Spread it into
 * `makeWASocket({...})` before `auth` and `logger`.
 */
export function baileysTestConfig(sim: { url: string; mediaUrl?: string }): Pick<UserFacingSocketConfig, "waWebSocketUrl" | "version" | "fetchAgent"> {
  return {
    waWebSocketUrl: sim.url,
    version: SIM_WA_VERSION,
    ...(sim.mediaUrl ? { fetchAgent: new Agent({ ca: MEDIA_TEST_CA }) } : {}),
  };
}
