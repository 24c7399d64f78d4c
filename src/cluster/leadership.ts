/**
 * This instance's place in the cluster, shared by the parts that must agree on it: the cluster
 * actor writes it (lease decisions), the store reads the fencing token for leader writes, the
 * gated connection actor opens and closes the WhatsApp socket on its word, and status shows it.
 * It outlives restarts of those actors (like the live hub), so a restarted actor asks it where
 * things stand instead of waiting for the next change.
 */
import type { LinkStatus } from "../status/types.ts";
import type { MemberView } from "./lease_sql.ts";

/** `cluster` in /api/status and get_sync_status. */
export interface ClusterView {
  role: "leader" | "follower" | "single";
  instance_id: string;
  leader_id: string | null;
  members: MemberView[];
}

/** What the connection actor registers to be told to open or close its socket. */
export interface SocketControl {
  /** Open the socket as the holder of `token` (returns at once; opening goes on in the background). */
  open(token: number): void;
  /** Close the socket now; resolves once it is closed. */
  close(): Promise<void>;
}

/** The shared state. */
export interface Leadership {
  readonly instanceId: string;
  /** The fencing token while this instance is the leader (socket allowed), else null. */
  fence(): number | null;
  /** The token the socket may be opened with (set before `open`, cleared before `close`). */
  socketToken(): number | null;
  /** Opens the socket through the registered control, as holder of `token`. */
  openSocket(token: number): void;
  /** Clears the token first (no new opens, no fenced writes), then closes through the control. */
  closeSocket(): Promise<void>;
  /** Registers the connection actor's control; returns the unregister function. */
  control(c: SocketControl): () => void;
  /** Records what the last heartbeat saw. */
  observe(o: { leaderId: string | null; members: MemberView[]; leaderLink: LinkStatus | null; at: number }): void;
  /** The last heartbeat's instant (ms), or null before the first one. */
  lastSeenAt(): number | null;
  /** The current leader's link status as it published it (for a follower's pages and tools). */
  leaderLink(): LinkStatus | null;
  view(): ClusterView;
}

/** Creates the state for one instance. */
export function createLeadership(instanceId: string): Leadership {
  let token: number | null = null;
  let ctl: SocketControl | null = null;
  let leaderId: string | null = null;
  let members: MemberView[] = [];
  let link: LinkStatus | null = null;
  let seenAt: number | null = null;
  return {
    instanceId,
    fence: () => token,
    socketToken: () => token,
    openSocket(t) {
      token = t;
      leaderId = instanceId;
      ctl?.open(t);
    },
    async closeSocket() {
      token = null;
      if (leaderId === instanceId) leaderId = null;
      await ctl?.close();
    },
    control(c) {
      ctl = c;
      return () => {
        if (ctl === c) ctl = null;
      };
    },
    observe(o) {
      // While we hold the lease we know the leader better than a heartbeat read a moment ago.
      if (token === null) leaderId = o.leaderId;
      members = o.members;
      link = o.leaderLink;
      seenAt = o.at;
    },
    lastSeenAt: () => seenAt,
    leaderLink: () => link,
    view: () => ({ role: token !== null ? "leader" : "follower", instance_id: instanceId, leader_id: leaderId, members }),
  };
}

/** The view of an instance that is not in a cluster (it is its own leader). */
export function singleView(instanceId: string): ClusterView {
  return { role: "single", instance_id: instanceId, leader_id: instanceId, members: [] };
}
