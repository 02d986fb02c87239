import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Built by `npm run build:web` into web/dist, which `assay view` serves. The server's
// Content-Security-Policy allows no inline script, so the build must emit none.
export default defineConfig({
  base: "/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    sourcemap: false,
    chunkSizeWarningLimit: 1000,
  },
  server: {
    // `vite dev` against a running `assay view --port 7411`
    proxy: { "/api": "http://127.0.0.1:7411" },
  },
});
