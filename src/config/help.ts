/** The `--help` text, generated from the option table so it lists every option and variable. */
import { OPTIONS } from "./options.ts";

/** Renders the help text. */
export function helpText(version: string): string {
  const lines = [
    `whatsapp-mcp ${version}: your WhatsApp as an MCP server (stdio by default, status page on http://127.0.0.1:8080).`,
    "",
    "Usage:",
    "  whatsapp-mcp [options]                 run the server (MCP over stdio; status page, QR and /mcp over HTTP)",
    "  whatsapp-mcp import-seed <messages.db> import the original Go bridge's store/messages.db",
    "  whatsapp-mcp bench [--messages N]      print store/media benchmark results as JSON",
    "  whatsapp-mcp --help | --version",
    "",
    "Options (flag / environment variable):",
  ];
  for (const o of OPTIONS) {
    const env = o.env.length ? `  [${o.env.join(", ")}]` : "";
    lines.push(`  ${o.flag}${o.boolean ? "" : " <value>"}${env}`);
    lines.push(`      ${o.help}${o.defaultText ? ` Default: ${o.defaultText}.` : ""}`);
  }
  return lines.join("\n");
}
