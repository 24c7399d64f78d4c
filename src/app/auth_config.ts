/** The HTTP auth settings from the Config (light: the start-up check needs it before the app loads). */
import type { Config } from "../config/config.ts";
import type { AuthConfig } from "../http/auth/types.ts";

/** Static token and OAuth settings, with the OAuth resource URL derived from the public URL. */
export function authConfigOf(cfg: Config): AuthConfig {
  return {
    token: cfg.auth.token,
    oauth: cfg.auth.oauth
      ? { ...cfg.auth.oauth, resourceUrl: cfg.http.publicUrl ? `${cfg.http.publicUrl.replace(/\/$/, "")}/mcp` : null }
      : null,
  };
}
