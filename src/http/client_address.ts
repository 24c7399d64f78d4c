/**
 * Who a request comes from, for per-client limits. Pure.
 *
 * By default the client is the TCP peer: X-Forwarded-For is set by whoever sends the request, so
 * believing it would let an attacker pick a fresh address per guess (or blame the owner's).
 * Behind reverse proxies, `trustedProxyHops` (MCP_TRUSTED_PROXY_HOPS) says how many of them append
 * to X-Forwarded-For; the client is then that many hops back from the peer, never further left
 * (entries further left were written by the client itself).
 */

/** The client address of a request: the peer, or the entry `hops` back in X-Forwarded-For. "unknown" when none. */
export function clientAddress(peer: string | undefined, forwardedFor: string | undefined, hops: number): string {
  const chain = hops > 0 && forwardedFor ? forwardedFor.split(",").map((s) => s.trim()).filter((s) => s.length > 0) : [];
  chain.push(peer ?? "");
  const picked = chain[Math.max(0, chain.length - 1 - hops)] ?? "";
  return normalizeAddress(picked) ?? "unknown";
}

/**
 * The key a limiter counts by: an IPv4 address as is (IPv4-mapped IPv6 too), an IPv6 address by
 * its /64 (one subscriber usually holds a whole /64, so single addresses would be free to rotate).
 */
export function limiterKey(address: string): string {
  if (!address.includes(":")) return address;
  const groups = expandIpv6(address);
  return groups ? `${groups.slice(0, 4).join(":")}::/64` : address;
}

/** A plain address ("::ffff:1.2.3.4" → "1.2.3.4", "[::1]" → "::1", zone and port dropped), or null if it is not one. */
export function normalizeAddress(raw: string): string | null {
  let s = raw.trim().toLowerCase();
  if (s.startsWith("[")) s = s.slice(1, s.indexOf("]") > 0 ? s.indexOf("]") : undefined);
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(s)) s = s.slice(0, s.lastIndexOf(":"));
  s = s.replace(/%.*$/, "");
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(s);
  if (mapped) s = mapped[1]!;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) return s.split(".").every((o) => Number(o) <= 255) ? s : null;
  return expandIpv6(s) ? s : null;
}

/** The eight 4-digit groups of an IPv6 address, or null. */
function expandIpv6(s: string): string[] | null {
  if (!/^[0-9a-f:.]+$/.test(s) || s.split("::").length > 2) return null;
  const toGroups = (part: string): string[] | null => {
    if (part === "") return [];
    const out: string[] = [];
    for (const g of part.split(":")) {
      if (/^\d{1,3}(\.\d{1,3}){3}$/.test(g)) {
        const [a, b, c, d] = g.split(".").map(Number) as [number, number, number, number];
        out.push(((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
      } else if (/^[0-9a-f]{1,4}$/.test(g)) out.push(g);
      else return null;
    }
    return out;
  };
  const [head, tail] = s.split("::") as [string, string | undefined];
  const h = toGroups(head);
  const t = tail === undefined ? [] : toGroups(tail);
  if (!h || !t) return null;
  const missing = 8 - h.length - t.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return null;
  return [...h, ...Array(tail === undefined ? 0 : missing).fill("0"), ...t].map((g) => g.padStart(4, "0"));
}
