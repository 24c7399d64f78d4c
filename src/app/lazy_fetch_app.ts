/**
 * A fetch handler whose app is built on demand: the status page's port is bound at once (the
 * tools report its address), while its code (Hono, the routes, jose for OAuth: ~90 modules)
 * loads after the client's first calls are answered, or at the first request if one comes
 * sooner. A request that arrives meanwhile waits for the app. If the app cannot be built, every
 * request fails with that error (the adapter answers 500) and `loaded` rejects with it.
 */
import type { FetchApp, ServeBindings } from "../runtime/serve_types.ts";

/** The handler and the load's control. */
export interface LazyFetchApp {
  /** Serves each request with the app, loading it first if need be. */
  handler: FetchApp;
  /** Starts loading the app (once); resolves when it is built. */
  load(): Promise<FetchApp>;
}

/** A handler for the app that `build` makes, built at the first `load()` or request. */
export function lazyFetchApp(build: () => Promise<FetchApp>): LazyFetchApp {
  let app: FetchApp | null = null;
  let loading: Promise<FetchApp> | null = null;
  const load = (): Promise<FetchApp> => {
    loading ??= build().then((a) => (app = a));
    return loading;
  };
  return {
    load,
    handler: {
      fetch(request: Request, env: ServeBindings) {
        return app ? app.fetch(request, env) : load().then((a) => a.fetch(request, env));
      },
    },
  };
}
