/**
 * Which WhatsApp Web version the socket presents. WhatsApp refuses versions it considers too old
 * ("client outdated", 405) after each of its updates, so a fixed version stops linking. Order:
 * an override setting wins; otherwise the current version fetched at start (Baileys'
 * `fetchLatestWaWebVersion`: web.whatsapp.com's sw.js, failing soft offline), else the last one
 * that connected (kept in the store's meta), else the one this Baileys release ships. After a
 * 405 the connection asks for a refresh and retries once.
 */
import { fetchLatestWaWebVersion } from "@whiskeysockets/baileys";
import type { Logger } from "../log.ts";
import type { SessionStore } from "../store/ports.ts";
import { PINNED_WA_VERSION } from "./socket_config.ts";

/** A WhatsApp Web version: [2, 3000, revision]. */
export type WaVersion = [number, number, number];

/** Meta key of the last version that connected. */
export const WA_VERSION_META = "wa_web_version";

/** Gets the current WhatsApp Web version, or null (offline, blocked, unparseable). Injected in tests. */
export type VersionFetcher = (signal: AbortSignal) => Promise<WaVersion | null>;

/** Where the version in use came from. */
export type WaVersionOrigin = "setting" | "fetched" | "cached" | "bundled";

/** "2.3000.1023456789" → [2, 3000, 1023456789]; null when not a version. Pure. */
export function parseWaVersion(s: string | null | undefined): WaVersion | null {
  const m = /^\s*(\d{1,4})\.(\d{1,6})\.(\d{1,12})\s*$/.exec(s ?? "");
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

/** [2, 3000, 1] → "2.3000.1". */
export function formatWaVersion(v: readonly number[]): string {
  return v.join(".");
}

/** The network fetcher: Baileys' fetch of web.whatsapp.com/sw.js; null unless it found the current revision. */
export const fetchWaWebVersion: VersionFetcher = async (signal) => {
  try {
    const r = await fetchLatestWaWebVersion({ signal });
    return r.isLatest ? (r.version as WaVersion) : null;
  } catch {
    return null;
  }
};

/** The version in use, and how to change it. */
export interface WaVersionSource {
  current(): { version: WaVersion; origin: WaVersionOrigin };
  /** Picks the version to start with (fetches when allowed; never throws). */
  start(): Promise<void>;
  /** Fetches again after a 405; true when a different version is now in use. */
  refresh(): Promise<boolean>;
  /** The current version connected: remember it as the last good one. */
  connected(): Promise<void>;
}

/** Options of `createWaVersionSource`. */
export interface WaVersionOptions {
  /** "auto", "bundled" or a version "2.3000.N". */
  setting: string;
  repo: Pick<SessionStore, "metaGet" | "commit">;
  /** null: never fetch (a custom WebSocket URL, "bundled", or a fixed setting). */
  fetcher: VersionFetcher | null;
  /** Longest wait for the fetch (default 5 s). */
  timeoutMs?: number;
  log?: Logger;
}

/** Builds the source (see the module doc). */
export function createWaVersionSource(o: WaVersionOptions): WaVersionSource {
  const fixed = parseWaVersion(o.setting);
  let version: WaVersion = fixed ?? ([...PINNED_WA_VERSION] as WaVersion);
  let origin: WaVersionOrigin = fixed ? "setting" : "bundled";
  const mayFetch = !fixed && o.setting !== "bundled" && o.fetcher !== null;

  const fetchNow = async (): Promise<WaVersion | null> => {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), o.timeoutMs ?? 5_000);
    try {
      return await Promise.race([
        o.fetcher!(ctl.signal),
        new Promise<null>((resolve) => ctl.signal.addEventListener("abort", () => resolve(null), { once: true })),
      ]);
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    current: () => ({ version, origin }),
    async start() {
      if (fixed || o.setting === "bundled") return;
      const cached = parseWaVersion(await o.repo.metaGet(WA_VERSION_META).catch(() => null));
      if (cached) [version, origin] = [cached, "cached"];
      if (!mayFetch) return;
      const fetched = await fetchNow();
      if (fetched) [version, origin] = [fetched, "fetched"];
      else o.log?.info("could not fetch the current WhatsApp Web version; using the " + origin + " one");
    },
    async refresh() {
      if (!mayFetch) return false;
      const fetched = await fetchNow();
      if (!fetched || formatWaVersion(fetched) === formatWaVersion(version)) return false;
      [version, origin] = [fetched, "fetched"];
      return true;
    },
    async connected() {
      if (origin === "setting") return;
      const v = formatWaVersion(version);
      if ((await o.repo.metaGet(WA_VERSION_META).catch(() => null)) === v) return;
      await o.repo.commit([{ op: "setMeta", key: WA_VERSION_META, value: v }]).catch(() => {});
    },
  };
}
