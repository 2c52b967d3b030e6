import { fileURLToPath } from "node:url";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vitest/config";

// The bundle is shipped inside the Python package so `pip install` needs no Node;
// the server serves it from src/dcmview/server/static.
const outDir = fileURLToPath(new URL("../src/dcmview/server/static", import.meta.url));

export default defineConfig({
  plugins: [svelte()],
  base: "./",
  build: {
    outDir,
    emptyOutDir: true,
    // Fixed file names keep `scripts/build-frontend --check` a plain byte comparison
    // and keep the committed bundle's diff small.
    rollupOptions: {
      output: {
        entryFileNames: "assets/index.js",
        chunkFileNames: "assets/[name].js",
        assetFileNames: "assets/[name][extname]",
      },
    },
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    proxy: { "/api": process.env.DCMVIEW_DEV_API ?? "http://127.0.0.1:8899" },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
