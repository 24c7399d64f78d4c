/**
 * Text of a PDF, page by page, with PDF.js (the `unpdf` serverless build: pure JS, no canvas, no
 * native module). Runs inside the media worker, so a hostile PDF that spins or eats memory costs
 * only the worker (the runner's time limit and the worker's heap cap stop it).
 */

/** The pages read and how many there are. */
export interface PdfText {
  totalPages: number;
  /** Text of pages 1..n (n = min(total, maxPages)), in order. */
  pages: string[];
}

// PDF.js writes warnings through console.log/warn; in a worker those can reach the parent's
// stdout (the MCP channel). Route everything to stderr while a document is read.
function quietConsole(): void {
  const c = globalThis.console as unknown as Record<string, unknown>;
  const toErr = (...args: unknown[]) => console.error(...args.filter((a) => typeof a === "string").slice(0, 1));
  c.log = toErr;
  c.info = toErr;
  c.debug = toErr;
  c.warn = toErr;
}

/** Reads up to `maxPages` pages of text. Throws on a broken or encrypted PDF. */
export async function pdfText(bytes: Uint8Array, maxPages: number): Promise<PdfText> {
  quietConsole();
  const { getDocumentProxy } = await import("unpdf");
  // PDF.js takes ownership of (detaches) the buffer it is given.
  const doc = await getDocumentProxy(bytes.slice(), { isEvalSupported: false, stopAtErrors: false });
  try {
    const pages: string[] = [];
    const n = Math.min(doc.numPages, Math.max(0, maxPages));
    for (let i = 1; i <= n; i++) {
      const page = await doc.getPage(i);
      const content = await page.getTextContent();
      let text = "";
      for (const item of content.items as Array<{ str?: string; hasEOL?: boolean }>) {
        if (typeof item.str !== "string") continue;
        text += item.str + (item.hasEOL ? "\n" : "");
      }
      pages.push(text.replace(/[ \t]+\n/g, "\n").trim());
      page.cleanup();
    }
    return { totalPages: doc.numPages, pages };
  } finally {
    await doc.destroy();
  }
}
