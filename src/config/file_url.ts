/**
 * The original's SQLite `DATABASE_URL` (`file:store/messages.db?_foreign_keys=on`, or a `file:///`
 * URL) as a local path, by the rules of the platform passed in (pure, so Windows' rules are tested
 * on any machine).
 *
 * - `file:///C:/Users/ana/wa/messages.db` is `C:\Users\ana\wa\messages.db` on Windows (not `/C:/...`);
 *   `file:C:/...` too; `file://server/share/...` is the UNC path `\\server\share\...`.
 * - Percent escapes are decoded (`%20` is a space); `?` parameters are dropped.
 * - A relative path (`file:store/messages.db`, the original's default) is resolved against the
 *   server's own folder, as the original resolved it against its bridge's folder
 *   (`whatsapp-bridge/store/`): see `HostInfo.programDir`. Never against the working folder an MCP
 *   client happens to start the server in.
 */

/** True for a `file:` or `sqlite:` URL (the local store). */
export function isFileUrl(url: string): boolean {
  return /^(file|sqlite):/i.test(url);
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a stray `%`: taken literally, like SQLite does
  }
}

/** Joins and normalises `.`/`..` segments with `sep`; `root` is kept as is (e.g. "C:\\", "/", "\\\\srv\\share\\"). */
function normalise(root: string, rest: string, sep: string): string {
  const out: string[] = [];
  for (const seg of rest.split(/[\\/]+/)) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return root + out.join(sep);
}

/** Splits an absolute path into its root and the rest, or null when relative. */
function splitRoot(path: string, win: boolean): { root: string; rest: string } | null {
  if (!win) return path.startsWith("/") ? { root: "/", rest: path } : null;
  const drive = /^([A-Za-z]:)[\\/]/.exec(path);
  if (drive) return { root: `${drive[1]!.toUpperCase()}\\`, rest: path.slice(3) };
  const unc = /^[\\/]{2}([^\\/]+)[\\/]+([^\\/]+)/.exec(path);
  if (unc) return { root: `\\\\${unc[1]}\\${unc[2]}\\`, rest: path.slice(unc[0].length) };
  return null;
}

/**
 * The local file a `file:`/`sqlite:` URL names, absolute when `baseDir` is (relative paths are
 * resolved against it), with `platform`'s separators.
 */
export function fileUrlPath(url: string, platform: string, baseDir: string): string {
  const win = platform === "win32";
  const sep = win ? "\\" : "/";
  let rest = url.replace(/^(file|sqlite):/i, "").replace(/[?#].*$/, "");
  if (rest.startsWith("//")) {
    // file://host/path: an empty host or localhost is this machine; another host is a share.
    const hostEnd = rest.indexOf("/", 2);
    const host = hostEnd < 0 ? rest.slice(2) : rest.slice(2, hostEnd);
    rest = hostEnd < 0 ? "/" : rest.slice(hostEnd);
    if (host !== "" && host.toLowerCase() !== "localhost") rest = win ? `\\\\${host}${rest}` : rest;
  }
  rest = decode(rest);
  // file:///C:/... : the drive letter follows the URL's path slash.
  if (win && /^\/[A-Za-z]:([\\/]|$)/.test(rest)) rest = rest.slice(1);
  const abs = splitRoot(rest, win);
  if (abs) return normalise(abs.root, abs.rest, sep);
  const base = splitRoot(baseDir, win);
  if (!base) return normalise("", `${baseDir}/${rest}`, sep); // a relative base: relative result
  return normalise(base.root, `${base.rest}/${rest}`, sep);
}

/** The folder of a path produced by `fileUrlPath` (its root when it has no parent). */
export function folderOf(path: string, platform: string): string {
  const sep = platform === "win32" ? "\\" : "/";
  const i = path.lastIndexOf(sep);
  if (i < 0) return ".";
  const head = path.slice(0, i);
  const root = splitRoot(head + sep, platform === "win32");
  return root && root.rest.replace(/[\\/]/g, "") === "" ? root.root : head;
}
