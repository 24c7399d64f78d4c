/**
 * A throw-away database on a PostgreSQL server, for the benchmark: created under a fresh name,
 * dropped afterwards whatever happened. Needs the CREATEDB privilege.
 */
import { connectPg } from "./client.ts";

/** `url` with its database (the path) replaced by `name`; query parameters kept. */
export function urlWithDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Runs `fn` with the URL of a new, empty database on the server of `serverUrl`, then drops it.
 * The name is `<prefix>_<time>_<random>` (letters, digits and `_` only: no quoting needed).
 */
export async function withScratchDatabase<T>(serverUrl: string, prefix: string, fn: (url: string) => Promise<T>): Promise<T> {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Cannot use ${JSON.stringify(prefix)} as a database name prefix`);
  const admin = connectPg(serverUrl, { max: 1 });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
    try {
      return await fn(urlWithDatabase(serverUrl, name));
    } finally {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
}
