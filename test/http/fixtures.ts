/**
 * Test seams for the HTTP app: a controllable link-status provider and store counters (the
 * connection and store actors are other areas; HttpDeps is the seam we own), plus request helpers.
 */
import type { LinkStatus } from "../../src/status/types.ts";
import { initialLinkStatus } from "../../src/status/types.ts";
import type { StoreStats } from "../../src/store/types.ts";
import type { HttpDeps } from "../../src/http/types.ts";

/** A fixed instant for deterministic output: 2025-01-15 10:00 UTC. */
export const T0 = Date.UTC(2025, 0, 15, 10, 0, 0);

/** A QR payload shaped like WhatsApp's (ref,noise key,identity key,adv secret). */
export const QR_1 = "2@Xq9Pz1bV0kM3sQ7rT5uW8yA2cE4gI6oL9nB1dF3hJ5kN7mR0tV2xZ4,aGVsbG8gd29ybGQgbm9pc2Uga2V5IDEyMzQ1Njc4OTA=,aWRlbnRpdHkga2V5IDk4NzY1NDMyMTAgYWJjZGVmZ2g=,YWR2IHNlY3JldCAxMjM0NTY3ODkwMTIzNDU2Nzg5MA==";
/** The next QR after WhatsApp rotated it. */
export const QR_2 = "2@Lm4Nn8Oo2Pp6Qq0Rr4Ss8Tt2Uu6Vv0Ww4Xx8Yy2Zz6Aa0Bb4Cc8Dd2Ee6F,aGVsbG8gd29ybGQgbm9pc2Uga2V5IDEyMzQ1Njc4OTA=,aWRlbnRpdHkga2V5IDk4NzY1NDMyMTAgYWJjZGVmZ2g=,YWR2IHNlY3JldCAxMjM0NTY3ODkwMTIzNDU2Nzg5MA==";

/** A controllable clock. */
export function manualNow(start = T0): { now(): number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** Store counters of a populated sql.js store. */
export function sampleStats(): StoreStats {
  return {
    backend: "sqljs",
    messages: 128_734,
    chats: 412,
    people: 1_093,
    oldestMessageAt: Date.UTC(2019, 4, 2, 8, 30),
    newestMessageAt: T0 - 60_000,
    sizeBytes: 187_432_960,
    journal: { entries: 37, bytes: 91_234, lastSeq: 10_482 },
    snapshot: { seq: 10_445, at: T0 - 4 * 60_000, bytes: 187_341_726 },
    lastError: null,
  };
}

/** A link waiting for its QR code to be scanned. */
export function linkingStatus(qr = QR_1): LinkStatus {
  return { ...initialLinkStatus(T0 - 30_000), state: "qr", qr, lastEventAt: T0 - 2_000 };
}

/** An open link with a finished history sync. */
export function openStatus(): LinkStatus {
  return {
    ...initialLinkStatus(T0 - 3 * 3600_000),
    state: "open",
    me: { id: "4915112345678:12@s.whatsapp.net", pushName: "Ada Lovelace" },
    lastEventAt: T0 - 5_000,
    history: { syncs: 6, messages: 128_000, chats: 410, lastSyncAt: T0 - 7 * 60_000, progress: 100, inProgress: false },
  };
}

/** The mutable state behind `fakeDeps`. */
export interface FakeWorld {
  link: LinkStatus;
  stats: StoreStats;
  linkFails: Error | null;
  statsFail: Error | null;
  pairingRequests: string[];
  pairingCode: string;
  pairingFail: Error | null;
}

/** HttpDeps over a FakeWorld the test mutates, with a manual clock; override any field with `extra`. */
export function fakeDeps(extra: Partial<HttpDeps> = {}): { deps: HttpDeps; world: FakeWorld; clock: ReturnType<typeof manualNow> } {
  const world: FakeWorld = {
    link: linkingStatus(),
    stats: sampleStats(),
    linkFails: null,
    statsFail: null,
    pairingRequests: [],
    pairingCode: "ABCD1234",
    pairingFail: null,
  };
  const clock = manualNow();
  const deps: HttpDeps = {
    linkStatus: async () => {
      if (world.linkFails) throw world.linkFails;
      return structuredClone(world.link);
    },
    storeStats: async () => {
      if (world.statsFail) throw world.statsFail;
      return structuredClone(world.stats);
    },
    sessionBackend: () => ({ messages: "sqljs", session: "sqljs" }),
    requestPairingCode: async (phone) => {
      world.pairingRequests.push(phone);
      if (world.pairingFail) throw world.pairingFail;
      return { code: world.pairingCode };
    },
    auth: { token: null, oauth: null },
    host: "127.0.0.1",
    port: 8080,
    clock,
    ...extra,
  };
  return { deps, world, clock };
}
