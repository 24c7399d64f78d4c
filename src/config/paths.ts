/**
 * Default per-user folders, computed from the platform facts passed in (pure, so every
 * operating system's rule is testable on any machine).
 */

/** The facts about the host that decide default paths. */
export interface HostInfo {
  platform: string; // "win32" | "darwin" | "linux" | ...
  home: string;
  env: Record<string, string | undefined>;
  /**
   * The server's own folder, against which the original's relative `file:` DATABASE_URL resolves:
   * the package folder (with package.json) for `node dist/src/main.js`, npx and `deno run
   * src/main.ts`; the binary's folder for a compiled binary. Absent: relative paths stay relative.
   */
  programDir?: string;
}

/** Joins path parts with the platform's separator (no normalisation beyond that). */
export function joinFor(platform: string, ...parts: string[]): string {
  const sep = platform === "win32" ? "\\" : "/";
  return parts
    .filter((p) => p.length > 0)
    .map((p, i) => (i === 0 ? p.replace(/[\\/]+$/, "") : p.replace(/^[\\/]+|[\\/]+$/g, "")))
    .join(sep);
}

/**
 * The default store folder: Windows `%LOCALAPPDATA%\whatsapp-mcp`, macOS
 * `~/Library/Application Support/whatsapp-mcp`, elsewhere `$XDG_DATA_HOME/whatsapp-mcp`
 * (default `~/.local/share/whatsapp-mcp`).
 */
export function defaultDataDir(host: HostInfo): string {
  const app = "whatsapp-mcp";
  if (host.platform === "win32") {
    const base = host.env.LOCALAPPDATA || joinFor("win32", host.home, "AppData", "Local");
    return joinFor("win32", base, app);
  }
  if (host.platform === "darwin") return joinFor("darwin", host.home, "Library", "Application Support", app);
  const xdg = host.env.XDG_DATA_HOME;
  const base = xdg && xdg.startsWith("/") ? xdg : joinFor(host.platform, host.home, ".local", "share");
  return joinFor(host.platform, base, app);
}

/** The separator of path lists in environment variables (`;` on Windows, `:` elsewhere). */
export function pathListDelimiter(platform: string): string {
  return platform === "win32" ? ";" : ":";
}
