/**
 * `whatsapp-mcp import-seed <path/to/messages.db>`: imports the original Go bridge's store into
 * the configured store (sql.js in the data folder, or PostgreSQL). Human-readable lines go to
 * stderr (stdout stays clean); no message content or numbers are printed.
 */
import type { Config } from "../../config/config.ts";
import { readFileBytes } from "../../runtime/fs_paths.ts";
import { importSeed, SeedFormatError } from "./seed.ts";
import { openStore } from "../open.ts";
import { loadSqlJs } from "../sqljs/load.ts";

/** Runs the import; resolves with the process exit code (0 ok, 1 failed, 2 usage). */
export async function runImportSeed(cfg: Config, say: (line: string) => void = (l) => console.error(l)): Promise<number> {
  const path = cfg.commandArgs[0];
  if (!path || cfg.commandArgs.length > 1) {
    say("usage: whatsapp-mcp import-seed <path/to/store/messages.db>");
    return 2;
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFileBytes(path);
  } catch (err) {
    say(`import-seed: cannot read ${path}: ${(err as Error).message}`);
    return 1;
  }
  const repo = await openStore({
    databaseUrl: cfg.databaseUrl ?? undefined,
    sessionDatabaseUrl: cfg.sessionDatabaseUrl ?? undefined,
    dir: cfg.dataDir,
  });
  try {
    say(`import-seed: importing ${path} ...`);
    const r = await importSeed({ bytes, sql: await loadSqlJs(), repo });
    say(`import-seed: ${r.chats} chats and ${r.messages} messages imported (already present ones merged, not duplicated).`);
    for (const w of r.warnings) say(`import-seed: ${w}`);
    say(
      "import-seed: the WhatsApp session was NOT imported (a whatsmeow session cannot be reused by this server): " +
        "link the account again by scanning the QR code at the first start.",
    );
    return 0;
  } catch (err) {
    say(`import-seed: ${err instanceof SeedFormatError ? err.message : `failed: ${(err as Error).message}`}`);
    return 1;
  } finally {
    await repo.close();
  }
}
