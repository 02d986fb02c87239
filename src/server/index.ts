export type * from "./api-types.ts";
export { type AppOptions, createApp } from "./app.ts";
export * from "./push/index.ts";
export { PUSH_PATH } from "./routes/push.ts";
export { RunIndex, RunIndexCache } from "./run-index.ts";
export {
  CONTENT_SECURITY_POLICY,
  checkBinding,
  isLoopbackHost,
  readTokenFile,
  ServeConfigError,
} from "./security.ts";
export { DEFAULT_HOST, DEFAULT_PORT, type RunningServer, type ServeOptions, startServer } from "./serve.ts";
