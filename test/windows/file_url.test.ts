/**
 * The original's SQLite DATABASE_URL on Windows, checked on any machine: src/config/file_url.ts
 * applies the Windows rules when told the platform is win32, and Node's own path.win32 says what
 * the right answer is.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { fileUrlPath, folderOf } from "../../src/config/file_url.ts";
import { buildConfig } from "../../src/config/parse.ts";

const winProgram = "C:\\Program Files\\whatsapp-mcp";
const win = { platform: "win32", home: "C:\\Users\\ana", env: { LOCALAPPDATA: "C:\\Users\\ana\\AppData\\Local" }, programDir: winProgram };
const linux = { platform: "linux", home: "/home/ana", env: {}, programDir: "/opt/whatsapp-mcp" };

describe("file: DATABASE_URL on Windows", () => {
  test("file:///C:/... is the drive path C:\\..., not /C:/...", () => {
    const p = fileUrlPath("file:///C:/Users/ana/wa%20data/store/messages.db?_foreign_keys=on", "win32", winProgram);
    assert.equal(p, path.win32.resolve("C:\\Users\\ana\\wa data\\store\\messages.db"));
    assert.equal(fileUrlPath("file:C:/wa/messages.db", "win32", winProgram), "C:\\wa\\messages.db");
    assert.equal(fileUrlPath("sqlite:///d:/wa/messages.db", "win32", winProgram), "D:\\wa\\messages.db");
    assert.equal(fileUrlPath("file://localhost/C:/wa/messages.db", "win32", winProgram), "C:\\wa\\messages.db");
    assert.equal(fileUrlPath("file://server/share/wa/messages.db", "win32", winProgram), path.win32.resolve("\\\\server\\share\\wa\\messages.db"));
  });

  test("a relative file: path resolves against the server's folder, never the working folder", () => {
    const p = fileUrlPath("file:store/messages.db?_foreign_keys=on", "win32", winProgram);
    assert.equal(p, path.win32.resolve(winProgram, "store\\messages.db"));
    assert.equal(fileUrlPath("file:./data/../store/messages.db", "win32", winProgram), path.win32.resolve(winProgram, "store\\messages.db"));
    assert.equal(fileUrlPath("file:store/messages.db", "linux", "/opt/whatsapp-mcp"), path.posix.resolve("/opt/whatsapp-mcp", "store/messages.db"));
    assert.equal(fileUrlPath("file:../wa/messages.db", "linux", "/opt/whatsapp-mcp"), "/opt/wa/messages.db");
  });

  test("the store folder is the file's folder, by path.win32 and path.posix", () => {
    for (const p of ["C:\\wa\\store\\messages.db", "C:\\messages.db", "\\\\server\\share\\messages.db", "\\\\server\\share\\a\\messages.db"]) {
      assert.equal(folderOf(p, "win32"), path.win32.dirname(p), p);
    }
    for (const p of ["/srv/wa/messages.db", "/messages.db"]) assert.equal(folderOf(p, "linux"), path.posix.dirname(p), p);
  });

  test("buildConfig keeps the local store in that folder, on Windows and elsewhere", () => {
    assert.equal(buildConfig([], { DATABASE_URL: "file:///C:/Users/ana/wa/store/messages.db" }, win).dataDir, "C:\\Users\\ana\\wa\\store");
    assert.equal(buildConfig([], { DATABASE_URL: "file:store/messages.db?_foreign_keys=on" }, win).dataDir, `${winProgram}\\store`);
    assert.equal(buildConfig([], { DATABASE_URL: "file:store/messages.db?_foreign_keys=on" }, linux).dataDir, "/opt/whatsapp-mcp/store");
    const c = buildConfig([], { DATABASE_URL: "file:store/messages.db", WHATSAPP_MCP_DATA_DIR: "D:\\wa" }, win);
    assert.equal(c.dataDir, "D:\\wa", "an explicit data folder wins");
    assert.equal(c.databaseUrl, null);
  });
});
