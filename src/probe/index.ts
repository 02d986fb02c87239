export { findKnee, recommend, retriesFor, summarizeStep } from "./analyze.ts";
export { DEFAULT_STEPS, parseDuration, parseSteps } from "./parse.ts";
export { type ProbeDeps, runProbe } from "./ramp.ts";
export { newProbeId, probeRecord, probeReportOf, saveProbeReport } from "./record.ts";
export { renderProbe } from "./render.ts";
export type * from "./types.ts";
