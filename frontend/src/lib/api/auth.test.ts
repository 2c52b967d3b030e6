import { describe, expect, it } from "vitest";
import { TOKEN_KEY, takeToken, tokenFromHash } from "./auth";

function memStorage(init: Record<string, string> = {}): { getItem(k: string): string | null; setItem(k: string, v: string): void; data: Record<string, string> } {
  const data = { ...init };
  return { data, getItem: (k) => data[k] ?? null, setItem: (k, v) => void (data[k] = v) };
}

describe("tokenFromHash", () => {
  it.each([
    ["#token=abc", "abc", ""],
    ["#token=abc&file=3", "abc", "#file=3"],
    ["#file=3", null, "#file=3"],
    ["", null, ""],
    ["#token=", null, ""],
  ])("%s", (hash, token, rest) => {
    expect(tokenFromHash(hash)).toEqual({ token, rest });
  });

  it("keeps URL-safe base64 characters", () => {
    expect(tokenFromHash("#token=7zYi0Ds5bW9ceKO7XTNig-qQWB-QiX35ItItXNVI5Lg").token).toBe("7zYi0Ds5bW9ceKO7XTNig-qQWB-QiX35ItItXNVI5Lg");
  });
});

describe("takeToken", () => {
  it("stores a fragment token and strips it from the address bar", () => {
    const s = memStorage();
    const r = takeToken({ hash: "#token=t1", pathname: "/", search: "?canvas2d" }, s);
    expect(r).toEqual({ token: "t1", cleanUrl: "/?canvas2d" });
    expect(s.data[TOKEN_KEY]).toBe("t1");
  });

  it("falls back to the session's token after a reload", () => {
    const r = takeToken({ hash: "", pathname: "/", search: "" }, memStorage({ [TOKEN_KEY]: "old" }));
    expect(r).toEqual({ token: "old", cleanUrl: null });
  });

  it("prefers a new link's token over the stored one (a restarted server)", () => {
    const s = memStorage({ [TOKEN_KEY]: "old" });
    expect(takeToken({ hash: "#token=new", pathname: "/", search: "" }, s).token).toBe("new");
    expect(s.data[TOKEN_KEY]).toBe("new");
  });

  it("has no token without fragment or storage", () => {
    expect(takeToken({ hash: "", pathname: "/", search: "" }, memStorage())).toEqual({ token: null, cleanUrl: null });
  });
});
