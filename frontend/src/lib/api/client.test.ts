import { describe, expect, it } from "vitest";
import { apiBase } from "./client";

describe("apiBase", () => {
  it("is empty at the server's root", () => {
    expect(apiBase("/")).toBe("");
    expect(apiBase("/index.html")).toBe("");
  });
  it("keeps a proxy's path prefix (jupyter-server-proxy)", () => {
    expect(apiBase("/user/me/proxy/8123/")).toBe("/user/me/proxy/8123");
    expect(apiBase("/proxy/8123/index.html")).toBe("/proxy/8123");
  });
});
