/**
 * The link to the server: the API client, whether the token was accepted, and whether
 * the server stopped or restarted (seen on every answer, and by polling health).
 */
import { ApiClient, ApiError, apiBase } from "../api/client";
import { Backoff, HEALTH_MAX_MS, HEALTH_MS, healthDue } from "../model/poll";

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
let healthTimer: ReturnType<typeof setTimeout> | null = null;
/** performance.now() of the server's last answer (any request, any status). */
let lastAnswer = 0;

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
  api = new ApiClient(apiBase(globalThis.location?.pathname ?? "/"), token, {
    onAnswer: () => {
      lastAnswer = performance.now();
    },
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
 * Watch health so a stopped or restarted server is noticed even while the user is idle.
 * X-Server-Instance (checked on every response) is the primary signal; server_start_ms
 * covers a server that does not send the header. Health is asked only when no other
 * answer came within HEALTH_MS, not while the page is hidden (asked at once when it
 * shows again), and less and less often while the server does not answer.
 */
export function watchServer(): void {
  if (watching) return;
  watching = true;
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) scheduleHealth(0);
  });
  scheduleHealth(HEALTH_MS);
}

let watching = false;
const healthBackoff = new Backoff(HEALTH_MS, HEALTH_MAX_MS, 2);

function scheduleHealth(ms: number): void {
  if (healthTimer) clearTimeout(healthTimer);
  healthTimer = setTimeout(() => void healthTick(), ms);
}

async function healthTick(): Promise<void> {
  healthTimer = null;
  if (!api || document.hidden) return;
  const due = conn.stopped ? 0 : healthDue(performance.now() - lastAnswer);
  if (due > 0) {
    scheduleHealth(due);
    return;
  }
  let ok = true;
  try {
    const h = await api.health();
    conn.stopped = false;
    if (startMs === null) startMs = h.server_start_ms;
    else if (h.server_start_ms !== startMs) conn.restarted = true;
  } catch (exc) {
    // A 401 after we were in means a new server (new token) on the same port.
    if (exc instanceof ApiError && exc.status === 401) conn.restarted = true;
    ok = !(exc instanceof ApiError && exc.status === 0);
  }
  scheduleHealth(healthBackoff.next(ok));
}
