/**
 * The proxy phase of a process that found its data folder owned by another one: keeps the front's
 * backend pointed at the owner (connecting when its endpoint is published, reconnecting after
 * trouble) and watches the ownership lock. When the lock can be taken (the owner exited, cleanly
 * or not) it returns it, and the caller starts the full tree behind the same front.
 *
 * It notices an owner's exit from the lock (checked every `pollMs`) and at once when a call or
 * the event stream to the owner fails (the front reports trouble, which wakes the loop).
 */
import { createLogger, type Logger } from "../../log.ts";
import type { FsPort } from "../../runtime/fs.ts";
import type { LockProcess, StoreLock } from "../../runtime/lock.ts";
import { findOwner, tryClaimInstance } from "../instance.ts";
import type { InstanceInfo } from "../instance_file.ts";
import { connectToOwner } from "./backend_http.ts";
import type { ProxyFront } from "./front.ts";
import type { Client } from "./sdk.ts";

/** What the proxy phase needs. */
export interface ProxyRunOptions {
  dataDir: string;
  fs: FsPort;
  front: ProxyFront;
  /** Ends the phase (stdin closed, SIGTERM): `runProxy` then resolves with null. */
  stop: AbortSignal;
  /** Connects a backend to the owner (default: its instance endpoint over HTTP). */
  connect?: (front: ProxyFront, info: InstanceInfo) => Promise<Client>;
  /** Pause between ownership checks while attached to an owner (default 1000 ms). */
  pollMs?: number;
  /** Pause while waiting for an owner to publish its endpoint or to answer (default 200 ms). */
  searchPollMs?: number;
  lockProcess?: LockProcess;
  log?: Logger;
}

/** Proxies until this process may own the folder: resolves with the ownership lock, or null if stopped first. */
export async function runProxy(opts: ProxyRunOptions): Promise<{ lock: StoreLock } | null> {
  const log = opts.log ?? createLogger("proxy");
  const connect = opts.connect ?? ((front, info) => connectToOwner(front, info));
  const { front, stop } = opts;
  let client: Client | null = null;
  let troubled = false;
  let wake: (() => void) | null = null;
  front.onTrouble((c) => {
    if (c === client) troubled = true;
    wake?.();
  });
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stop.removeEventListener("abort", done);
        wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      stop.addEventListener("abort", done, { once: true });
      wake = done;
    });

  // The backend must declare what the stdio client declared (elicitation), known after initialize.
  await Promise.race([front.initialized(), new Promise<void>((r) => stop.addEventListener("abort", () => r(), { once: true }))]);
  let announcedWait = false;
  while (!stop.aborted) {
    const claim = await tryClaimInstance(opts.fs, opts.dataDir, log, opts.lockProcess);
    if (claim.role === "owner") {
      if (client) front.detach(client);
      if (stop.aborted) {
        await claim.lock.release();
        return null;
      }
      return { lock: claim.lock };
    }
    if (client && (troubled || !front.hasBackend())) {
      troubled = false;
      const alive = front.hasBackend() && (await client.ping({ timeout: 3_000 }).then(() => true, () => false));
      if (!alive) {
        log.info("lost the connection to the process that owns the data folder");
        front.detach(client);
        client = null;
      }
    }
    if (!client) {
      const info = await findOwner(opts.fs, opts.dataDir, claim.holderPid);
      if (info) {
        try {
          client = await connect(front, info);
          troubled = false;
          front.attach(client);
          announcedWait = false;
          log.info("serving this client through the process that owns the data folder", { ownerPid: info.pid });
        } catch (err) {
          log.debug("the owning process did not answer", { ownerPid: info.pid, error: err });
        }
      } else if (!announcedWait) {
        announcedWait = true;
        log.info("another process owns the data folder and is still starting: waiting for it", { ownerPid: claim.holderPid });
      }
    }
    await pause(client ? (opts.pollMs ?? 1_000) : (opts.searchPollMs ?? 200));
  }
  if (client) front.detach(client);
  return null;
}
