/** The Hono environment of the HTTP app: what adapters bind (`c.env`) and what middleware sets (`c.var`). */
import type { ServeBindings } from "../runtime/serve_types.ts";
import type { Session } from "./auth/session.ts";
import type { AuthInfo } from "./auth/types.ts";

/** Set by `requireAuth` (src/http/auth/middleware.ts) for the handlers after it. */
export interface AuthVariables {
  /** The verified caller; undefined when no authentication is configured (loopback use). */
  auth: AuthInfo | undefined;
  /** The browser session the caller came with, or null (bearer token, or no authentication). */
  session: Session | null;
}

/** The app's Hono env. `conn` is absent when the app is called in-process (`app.request()` without env). */
export type AppEnv = { Bindings: Partial<ServeBindings>; Variables: AuthVariables };
