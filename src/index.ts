/**
 * assay's public library API. The CLI is a thin shell over these functions: every name a command
 * uses from the library is exported here (test/api/cli-uses-public-api.test.ts checks it), so a
 * script can do whatever a command does. The commands import the defining modules directly, so
 * that each loads only what it needs.
 */

export * from "./baseline/index.ts";
export * from "./calibrate/index.ts";
export { isNullVerdict, NULL_VERDICTS, type NullVerdict } from "./calibrate/pairwise.ts";
export * from "./compare/index.ts";
export { InputError } from "./config/errors.ts";
export { evaluatorOptionsJsonSchema, suiteJsonSchema } from "./config/json-schema.ts";
export { findSuiteFile, type LoadedSuite, loadSuite } from "./config/load.ts";
// The production loop (issue 11): records in, monitors, drift, alerts, shadow, promotion.
export { type MonitorConfig, monitorsSchema, parseCooldown } from "./config/monitors.ts";
export {
  type DimensionSpec,
  defineSuite,
  dimensionSchema,
  type SuiteConfig,
  type SuiteDefinition,
  type SuiteInput,
  suiteSchema,
  type TargetSpec,
  targetSchema,
} from "./config/schema.ts";
export * from "./dataset/index.ts";
export { type CaseResult, type CaseWorkContext, runCase } from "./engine/case-work.ts";
export {
  type CredentialNeed,
  checkCredentials,
  credentialNeeds,
  keyVariable,
  missingCredentials,
  missingCredentialsMessage,
} from "./engine/credentials.ts";
export type { CaseDispatcher, DispatchContext } from "./engine/dispatch.ts";
export type { EngineEvent, EngineListener, RunProgress } from "./engine/events.ts";
export { gitCommit } from "./engine/lineage.ts";
export { buildDimensions, buildTargets } from "./engine/prepare.ts";
export { localRateGate } from "./engine/rate-gate.ts";
export { rescoreRun } from "./engine/rescore.ts";
export { type RunSuiteOptions, type RunSuiteResult, runSuite } from "./engine/run-suite.ts";
export {
  type RunTargetOptions,
  type RunTargetResult,
  runTarget,
  type ShardOutcome,
} from "./engine/run-target.ts";
export { type ScoringDimension, scoreOutput } from "./engine/scoring.ts";
export * from "./evaluators/index.ts";
export {
  judgePairwise,
  loadPairwiseRubric,
  type PairwiseCase,
  type PairwiseResult,
} from "./evaluators/judge/index.ts";
export { importLmEval } from "./importers/lm-eval/index.ts";
export { importOpenAiEvals } from "./importers/openai-evals/index.ts";
export { importPromptfoo } from "./importers/promptfoo/index.ts";
// Importers: another tool's config → a suite plus what was not translated (`assay import`).
export {
  ImportError,
  type ImportedSuite,
  type Importer,
  type ImportKind,
  type ImportNote,
  type ImportOptions,
} from "./importers/types.ts";
export { importReport, writeImport } from "./importers/write.ts";
export { type InitOptions, type InitResult, initSuite } from "./init/init.ts";
export * from "./labels/index.ts";
export {
  CacheFileError,
  type CacheMode,
  type CacheSummary,
  clearCache,
  defaultCachePath,
  summarizeCache,
} from "./llm/cache.ts";
export {
  type ChatClientSpec,
  createChatClient,
  createLlmRuntime,
  type LlmRuntime,
} from "./llm/index.ts";
export type * from "./llm/types.ts";
export * from "./monitor/drift/index.ts";
export { type PromoteRecordsResult, promoteRecords } from "./monitor/promote.ts";
export { renderMonitorReport } from "./monitor/render.ts";
export {
  type MonitorPassOptions,
  type MonitorReport,
  monitorConfigOf,
  runMonitorPass,
} from "./monitor/run.ts";
export { runShadow, type ShadowOptions, type ShadowReport, type ShadowResult } from "./monitor/shadow.ts";
// Load probing (`assay probe`): ramp a target, find the knee, recommend a policy; store the report.
export {
  DEFAULT_STEPS,
  findKnee,
  newProbeId,
  type ProbeOptions,
  parseDuration,
  parseSteps,
  probeRecord,
  probeReportOf,
  recommend,
  renderProbe,
  runProbe,
  saveProbeReport,
} from "./probe/index.ts";
// The queue (BullMQ + Redis): these modules load bullmq and ioredis only when called.
export {
  connectRedis,
  DEFAULT_QUEUE_NAME,
  loadBullMQ,
  maskRedisUrl,
  QueueSetupError,
} from "./queue/connect.ts";
export { openQueueCoordinator, type QueueCoordinator } from "./queue/coordinator.ts";
export { queueDispatcher } from "./queue/dispatcher.ts";
export { type RunningWorker, startWorker, type WorkerOptions } from "./queue/worker.ts";
export { type IngestOptions, type IngestResult, ingestFile, parseRecordsBody } from "./records/ingest.ts";
export { mapOtlpTraces, type OtlpMapping } from "./records/otlp.ts";
export { parseRecord, RecordError } from "./records/parse.ts";
export {
  comparisonMarkdown,
  gateJunit,
  gateMarkdown,
  leaderboardMarkdown,
  renderComparison,
  renderGate,
  renderLeaderboard,
} from "./report/comparison.ts";
export { exportCsv, exportJsonl, exportJunit } from "./report/export.ts";
export { fmtCi, fmtMs, fmtP, fmtPct, fmtPts, fmtScore, fmtUsd, safeLine, table } from "./report/format.ts";
export { scorecardMarkdown } from "./report/markdown.ts";
export { renderScorecard } from "./report/terminal.ts";
export * from "./scorecard/index.ts";
export {
  type AppOptions,
  createApp,
  DEFAULT_HOST,
  DEFAULT_MAX_UPLOAD_BYTES,
  DEFAULT_PORT,
  isLoopbackHost,
  PUSH_PATH,
  PushError,
  type PushOptions,
  type PushResponse,
  type PushResult,
  pushRun,
  type RunningServer,
  readTokenFile,
  ServeConfigError,
  type ServeOptions,
  serverBase,
  startServer,
} from "./server/index.ts";
export * from "./store/index.ts";
export type {
  MonitorAlert,
  ProductionRecord,
  ProductionStore,
  RecordReview,
  RecordScore,
  ReviewStatus,
  StoredRecord,
} from "./store/production.ts";
export * from "./targets/index.ts";
export { toolVersion } from "./util/version.ts";
