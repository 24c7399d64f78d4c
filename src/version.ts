/** The program's version, reported in MCP initialize and --version. */
export const VERSION = "0.1.0";
