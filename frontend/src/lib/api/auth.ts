/**
 * Access-token handling: the printed link carries the token in the URL fragment (never
 * sent to the server, never in logs or Referer); the page moves it to sessionStorage
 * and removes it from the address bar so a screenshot or a copied URL does not leak it.
 */

export const TOKEN_KEY = "dcmview.token";

/** The token in a fragment like "#token=abc" (other fragment parameters are kept). */
export function tokenFromHash(hash: string): { token: string | null; rest: string } {
  const params = new URLSearchParams(hash.startsWith("#") ? hash.slice(1) : hash);
  const token = params.get("token");
  params.delete("token");
  const rest = params.toString();
  return { token: token && token.length > 0 ? token : null, rest: rest ? `#${rest}` : "" };
}

interface Storage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

interface Loc {
  hash: string;
  pathname: string;
  search: string;
}

/**
 * Read the token from the fragment (preferred: a new link means a new server) or from
 * sessionStorage, store it, and return the URL to put in the address bar without it.
 */
export function takeToken(loc: Loc, storage: Storage): { token: string | null; cleanUrl: string | null } {
  const { token, rest } = tokenFromHash(loc.hash);
  if (token) {
    storage.setItem(TOKEN_KEY, token);
    return { token, cleanUrl: `${loc.pathname}${loc.search}${rest}` };
  }
  return { token: storage.getItem(TOKEN_KEY), cleanUrl: null };
}
