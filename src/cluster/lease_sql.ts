/**
 * The lease row and the members table in SQL (migrations/postgres/NNNN_cluster.sql). Every
 * instant is the database's (`clock_timestamp()`): members never compare their clocks.
 */
import { type Queryable, query } from "../store/postgres/client.ts";
import type { LinkStatus } from "../status/types.ts";
import { StaleLeaderError } from "./errors.ts";

/** The name of the one lease. */
export const LEASE = "whatsapp";

/** A member as status shows it. */
export interface MemberView {
  instance_id: string;
  role: "leader" | "follower";
  host: string | null;
  pid: number | null;
  version: string | null;
  /** Milliseconds since its last heartbeat (database clock). */
  last_seen_ms: number;
}

/** This instance's description in the members table. */
export interface MemberInfo {
  instanceId: string;
  startedAt: number;
  host: string | null;
  pid: number | null;
  version: string;
}

export { StaleLeaderError };

const ACQUIRE = `
WITH taken AS (
  UPDATE cluster_lease
     SET holder = :me, token = token + 1, acquired_at = clock_timestamp(),
         expires_at = clock_timestamp() + make_interval(secs => :ttl::float8 / 1000)
   WHERE name = :name AND (holder IS NULL OR holder = :me OR expires_at < clock_timestamp())
  RETURNING token
)
SELECT (SELECT token FROM taken) AS token, (SELECT holder FROM cluster_lease WHERE name = :name) AS holder`;

/**
 * Takes the lease if it is free, expired, or (after this member stepped down) still its own:
 * always with a NEW token. Returns the token, or who holds it.
 */
export async function tryAcquire(db: Queryable, me: string, ttlMs: number): Promise<{ token: number } | { holder: string | null }> {
  const r = (await query(db, ACQUIRE, { me, ttl: ttlMs, name: LEASE }))[0];
  if (r?.token !== null && r?.token !== undefined) return { token: Number(r.token) };
  return { holder: typeof r?.holder === "string" ? r.holder : null };
}

/** Extends the lease if `me` still holds it with `token`. False: someone else took over. */
export async function renewLease(db: Queryable, me: string, token: number, ttlMs: number): Promise<boolean> {
  const rows = await query(
    db,
    `UPDATE cluster_lease SET expires_at = clock_timestamp() + make_interval(secs => :ttl::float8 / 1000)
      WHERE name = :name AND holder = :me AND token = :token RETURNING token`,
    { me, token, ttl: ttlMs, name: LEASE },
  );
  return rows.length === 1;
}

/** Hands the lease back (clean stop, socket already closed): the next member need not wait for expiry. */
export async function releaseLease(db: Queryable, me: string, token: number): Promise<void> {
  await query(db, "UPDATE cluster_lease SET holder = NULL, expires_at = '-infinity' WHERE name = :name AND holder = :me AND token = :token", {
    me,
    token,
    name: LEASE,
  });
}

/**
 * The fence of a leader's write: call LAST inside the write's transaction. `FOR SHARE` holds off
 * any takeover (an UPDATE of the row) until this transaction ends, so a write that passes commits
 * before the token can move on; a stale one throws and rolls back.
 */
export async function checkFence(tx: Queryable, me: string, token: number): Promise<void> {
  const r = (await query(tx, "SELECT holder, token FROM cluster_lease WHERE name = :name FOR SHARE", { name: LEASE }))[0];
  if (!r || r.holder !== me || Number(r.token) !== token) {
    throw new StaleLeaderError(`Write refused: fencing token ${token} is stale (the lease is at ${r ? Number(r.token) : "?"})`);
  }
}

/** Who holds the lease now (null when free or expired). */
export async function currentLeader(db: Queryable): Promise<{ holder: string; token: number } | null> {
  const r = (await query(db, "SELECT holder, token FROM cluster_lease WHERE name = :name AND holder IS NOT NULL AND expires_at > clock_timestamp()", {
    name: LEASE,
  }))[0];
  return r ? { holder: String(r.holder), token: Number(r.token) } : null;
}

/** Records a heartbeat (and, for the leader, its link status for the followers' pages). */
export async function heartbeat(db: Queryable, m: MemberInfo, role: "leader" | "follower", link: LinkStatus | null): Promise<void> {
  await query(
    db,
    `INSERT INTO cluster_members (instance_id, started_at, heartbeat_at, role, host, pid, version, link)
     VALUES (:id, :started, clock_timestamp(), :role, :host, :pid, :version, :link)
     ON CONFLICT (instance_id) DO UPDATE SET heartbeat_at = clock_timestamp(), role = :role, link = :link`,
    { id: m.instanceId, started: m.startedAt, role, host: m.host, pid: m.pid, version: m.version, link: link ? JSON.stringify(link) : null },
  );
}

/** Members seen within `aliveMs`; rows silent for 10× that are deleted on the way. */
export async function listMembers(db: Queryable, aliveMs: number): Promise<MemberView[]> {
  await query(db, "DELETE FROM cluster_members WHERE heartbeat_at < clock_timestamp() - make_interval(secs => :gone::float8 / 1000)", {
    gone: aliveMs * 10,
  });
  const rows = await query(
    db,
    `SELECT instance_id, role, host, pid, version,
            (extract(epoch FROM clock_timestamp() - heartbeat_at) * 1000)::bigint AS age
       FROM cluster_members
      WHERE heartbeat_at > clock_timestamp() - make_interval(secs => :alive::float8 / 1000)
      ORDER BY started_at, instance_id`,
    { alive: aliveMs },
  );
  return rows.map((r) => ({
    instance_id: String(r.instance_id),
    role: r.role === "leader" ? "leader" : "follower",
    host: typeof r.host === "string" ? r.host : null,
    pid: r.pid === null || r.pid === undefined ? null : Number(r.pid),
    version: typeof r.version === "string" ? r.version : null,
    last_seen_ms: Math.max(0, Number(r.age)),
  }));
}

/** The link status the current leader published (null when there is no live leader). */
export async function leaderLink(db: Queryable): Promise<LinkStatus | null> {
  const r = (await query(
    db,
    `SELECT m.link FROM cluster_members m JOIN cluster_lease l ON l.holder = m.instance_id
      WHERE l.name = :name AND l.expires_at > clock_timestamp()`,
    { name: LEASE },
  ))[0];
  if (typeof r?.link !== "string") return null;
  try {
    return JSON.parse(r.link) as LinkStatus;
  } catch {
    return null;
  }
}

/** Removes this member's row (clean stop). */
export async function leave(db: Queryable, instanceId: string): Promise<void> {
  await query(db, "DELETE FROM cluster_members WHERE instance_id = :id", { id: instanceId });
}
