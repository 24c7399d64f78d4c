/** MIME type ↔ file extension tables (pure). Extensions are only ever derived from a MIME type we chose or received. */

const EXT_BY_MIME: Record<string, string> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/gif": "gif",
  "image/webp": "webp",
  "image/heic": "heic",
  "image/heif": "heif",
  "image/avif": "avif",
  "video/mp4": "mp4",
  "video/3gpp": "3gp",
  "video/quicktime": "mov",
  "video/webm": "webm",
  "video/x-matroska": "mkv",
  "audio/ogg": "ogg",
  "audio/opus": "opus",
  "audio/mpeg": "mp3",
  "audio/mp3": "mp3",
  "audio/mp4": "m4a",
  "audio/aac": "aac",
  "audio/x-m4a": "m4a",
  "audio/amr": "amr",
  "audio/amr-wb": "awb",
  "audio/wav": "wav",
  "audio/x-wav": "wav",
  "audio/flac": "flac",
  "audio/webm": "webm",
  "application/pdf": "pdf",
  "application/msword": "doc",
  "application/vnd.ms-excel": "xls",
  "application/vnd.ms-powerpoint": "ppt",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
  "application/vnd.oasis.opendocument.text": "odt",
  "application/vnd.oasis.opendocument.spreadsheet": "ods",
  "application/vnd.oasis.opendocument.presentation": "odp",
  "application/rtf": "rtf",
  "application/zip": "zip",
  "application/x-7z-compressed": "7z",
  "application/x-rar-compressed": "rar",
  "application/vnd.rar": "rar",
  "application/gzip": "gz",
  "application/json": "json",
  "application/xml": "xml",
  "application/epub+zip": "epub",
  "application/vnd.android.package-archive": "apk",
  "application/octet-stream": "bin",
  "text/plain": "txt",
  "text/csv": "csv",
  "text/markdown": "md",
  "text/html": "html",
  "text/xml": "xml",
  "text/calendar": "ics",
  "text/vcard": "vcf",
  "text/x-vcard": "vcf",
};

/** Document MIME types by extension: used only to label a document whose bytes say no more than "text" or "unknown". */
const DOC_MIME_BY_EXT: Record<string, string> = {
  txt: "text/plain",
  csv: "text/csv",
  tsv: "text/tab-separated-values",
  md: "text/markdown",
  json: "application/json",
  xml: "application/xml",
  html: "text/html",
  htm: "text/html",
  rtf: "application/rtf",
  ics: "text/calendar",
  vcf: "text/vcard",
  doc: "application/msword",
  xls: "application/vnd.ms-excel",
  ppt: "application/vnd.ms-powerpoint",
  epub: "application/epub+zip",
  "7z": "application/x-7z-compressed",
  rar: "application/vnd.rar",
  gz: "application/gzip",
};

/** The bare type of a MIME string, lower-cased, without parameters (`audio/ogg; codecs=opus` → `audio/ogg`). */
export function bareMimetype(mimetype: string): string {
  return mimetype.split(";")[0]!.trim().toLowerCase();
}

/** File extension (no dot) for a MIME type; `bin` if unknown. */
export function extensionForMimetype(mimetype: string): string {
  return EXT_BY_MIME[bareMimetype(mimetype)] ?? "bin";
}

/** A document MIME type for a file name's extension, or undefined. */
export function documentMimetypeForName(fileName: string): string | undefined {
  const m = /\.([A-Za-z0-9]{1,8})$/.exec(fileName);
  return m ? DOC_MIME_BY_EXT[m[1]!.toLowerCase()] : undefined;
}
