// How test/run-all.mjs starts a program, per platform (pure: platform and comspec are passed in).
// On Windows the npm shims in node_modules/.bin are `.cmd` batch files, which Node >= 20.12.2
// refuses to spawn without a shell (EINVAL, CVE-2024-27980). They go through `cmd.exe /d /s /c`
// with every argument quoted for the C runtime and its cmd metacharacters (the quotes included, so
// cmd never enters quote mode) escaped with `^`, twice for a `.cmd` shim (cmd parses the line once,
// then the shim's own %* expansion again) - the rules cross-spawn uses for arguments. Everything else is spawned directly.

const CMD_META = /([()\][%!^"`<>&|;, *?])/g;

/** One argument quoted for a cmd.exe command line (`twice`: the target is a .cmd/.bat file). */
export function cmdQuote(arg, twice) {
  // C runtime quoting: backslashes before a quote or at the end are doubled, quotes escaped.
  let a = String(arg).replace(/(\\*)"/g, '$1$1\\"').replace(/(\\*)$/, "$1$1");
  a = `"${a}"`.replace(CMD_META, "^$1");
  return twice ? a.replace(CMD_META, "^$1") : a;
}

/**
 * The spawn call for `command argv` on `platform`: `{ command, args, windowsVerbatimArguments }`.
 * @param {string} platform process.platform
 * @param {string} command the program (a `.cmd` shim on Windows is fine)
 * @param {string[]} argv its arguments
 * @param {string} [comspec] the Windows command interpreter (process.env.ComSpec)
 */
export function spawnPlan(platform, command, argv, comspec) {
  if (platform !== "win32" || !/\.(cmd|bat)$/i.test(command)) return { command, args: [...argv], windowsVerbatimArguments: false };
  // The program in plain quotes (cmd reads a quoted first word as the program, spaces and
  // parentheses as in "Program Files (x86)" included); Windows paths cannot contain a quote.
  const line = [`"${command}"`, ...argv.map((a) => cmdQuote(a, true))].join(" ");
  return { command: comspec || "cmd.exe", args: ["/d", "/s", "/c", `"${line}"`], windowsVerbatimArguments: true };
}
