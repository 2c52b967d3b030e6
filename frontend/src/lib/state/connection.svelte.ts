/**
 * The link to the server: the API client, whether the token was accepted, and whether
 * the server stopped or restarted (seen on every answer, and by polling health).
 */
import { ApiClient, ApiError } from "../api/client";

class Connection {
  status = $state<"pending" | "no-token" | "ok" | "unauthorized">("pending");
  instance = $state<string | null>(null);
  stopped = $state(false);
  restarted = $state(false);
  baseUrl = $state("");
}

export const conn = new Connection();

let api: ApiClient | null = null;
let startMs: number | null = null;
let healthTimer: ReturnType<typeof setInterval> | null = null;

/** The client, once connect() had a token. */
export function client(): ApiClient | null {
  return api;
}

/** Create the client for `token` (none: the page asks for the link); its answers keep `conn` current. */
export function connect(baseUrl: string, token: string | null): ApiClient | null {
  conn.baseUrl = baseUrl;
  if (!token) {
    conn.status = "no-token";
    return null;
  }
  api = new ApiClient("", token, {
    onInstance: (id) => {
      if (conn.instance === null) conn.instance = id;
      else if (conn.instance !== id) conn.restarted = true;
    },
    onNetworkError: () => {
      conn.stopped = true;
    },
    onUnauthorized: () => {
      if (conn.status === "ok") conn.restarted = true;
      else conn.status = "unauthorized";
    },
  });
  return api;
}

/**
 * The first GET /api/health: true when the token is accepted, false when it is not
 * (401); any other failure is thrown for the caller to show.
 */
export async function checkHealth(): Promise<boolean> {
  if (!api) return false;
  try {
    const h = await api.health();
    conn.status = "ok";
    startMs = h.server_start_ms;
    // Only this project's server reports scan_complete in health and knows ?shuffle=bytes.
    api.shuffle = "scan_complete" in h;
    return true;
  } catch (exc) {
    if (exc instanceof ApiError && exc.status === 401) {
      conn.status = "unauthorized";
      return false;
    }
    throw exc;
  }
}

/**
 * Poll health so a stopped or restarted server is noticed even while the user is idle.
 * X-Server-Instance (checked on every response) is the primary signal; server_start_ms
 * covers a server that does not send the header.
 */
export function watchServer(): void {
  if (healthTimer) return;
  healthTimer = setInterval(() => {
    if (!api) return;
    api
      .health()
      .then((h) => {
        conn.stopped = false;
        if (startMs === null) startMs = h.server_start_ms;
        else if (h.server_start_ms !== startMs) conn.restarted = true;
      })
      .catch((exc: unknown) => {
        // A 401 after we were in means a new server (new token) on the same port.
        if (exc instanceof ApiError && exc.status === 401) conn.restarted = true;
      });
  }, 3000);
}
