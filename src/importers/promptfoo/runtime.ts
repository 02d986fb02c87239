/**
 * The module an imported promptfoo suite carries as evaluators/promptfoo.mjs: promptfoo's
 * deterministic assertions with their exact semantics (per-test values, `not-` forms, simple
 * transforms, weights), the adapter that runs a promptfoo JavaScript assertion file as an assay
 * custom evaluator, and the one that runs a promptfoo provider module as a module target. It is
 * plain JavaScript with no imports but Node's, so the suite runs wherever assay does; the tests
 * load this very text. (No template literals inside: it is kept in a String.raw literal.)
 *
 * Model outputs are hostile: nothing here evaluates them, and a promptfoo `regex` (a backtracking
 * JavaScript pattern, which assay's linear-time engine may not accept) runs in a worker thread
 * under a time limit, so one pathological output cannot stall a run.
 */
export const RUNTIME_FILE = "evaluators/promptfoo.mjs";

export const RUNTIME_MODULE = String.raw`// Written by assay import promptfoo. promptfoo's assertions for assay (see IMPORT-REPORT.md).
// Each dimension that uses this module reads its checks from the case's expected value under the
// dimension's name: [{type, value?, threshold?, negate?, weight?, transform?}, ...].
import { Worker } from "node:worker_threads";

const hasOwn = (o, k) => o !== null && typeof o === "object" && Object.prototype.hasOwnProperty.call(o, k);
const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const message = (err) => (err && err.message) || String(err);

function show(text) {
  const s = String(text);
  return JSON.stringify(s.length > 80 ? s.slice(0, 77) + "..." : s);
}

function notApplicable(dimension) {
  return {
    score: null,
    reason: "the case has no promptfoo assertion for " + dimension,
    details: { unscored: "not-applicable" },
  };
}

function casePayload(input, options) {
  const dimension = options && options.dimension;
  const list = hasOwn(input.expected, dimension) ? input.expected[dimension] : undefined;
  return Array.isArray(list) && list.length > 0 ? list : undefined;
}

function weightOf(item) {
  return typeof item.weight === "number" && item.weight >= 0 ? item.weight : 1;
}

/** Weighted share of the checks that pass (1 only when all pass); unscored if one cannot be judged. */
function combine(items, results) {
  const unjudged = results.find((r) => r.pass === undefined);
  if (unjudged) return { score: null, reason: unjudged.reason, details: { checks: results } };
  let total = 0;
  let passed = 0;
  results.forEach((r, i) => {
    total += weightOf(items[i]);
    if (r.pass) passed += weightOf(items[i]);
  });
  const failed = results.filter((r) => !r.pass);
  const score = failed.length === 0 ? 1 : total > 0 ? passed / total : 0;
  const reason =
    failed.length === 0
      ? results.length === 1
        ? results[0].reason
        : "all " + results.length + " assertions pass"
      : failed.map((r) => r.reason).join("; ");
  return { score, reason, details: { checks: results } };
}

function asText(v) {
  if (typeof v === "string") return v;
  const json = JSON.stringify(v);
  return json === undefined ? "" : json;
}

/** promptfoo's simple transforms, as data: trim, lower, upper, json (JSON.parse), get (a field). */
function transform(text, steps) {
  let v = text;
  for (const s of steps || []) {
    if (s.op === "json") v = JSON.parse(asText(v));
    else if (s.op === "get") v = hasOwn(v, s.key) ? v[s.key] : undefined;
    else {
      const t = asText(v);
      if (s.op === "trim") v = t.trim();
      else if (s.op === "trimStart") v = t.trimStart();
      else if (s.op === "trimEnd") v = t.trimEnd();
      else if (s.op === "lower") v = t.toLowerCase();
      else if (s.op === "upper") v = t.toUpperCase();
      else throw new Error("unknown transform step " + s.op);
    }
  }
  return v;
}

function deepEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => hasOwn(b, k) && deepEqual(a[k], b[k]));
}

/** Edit distance, or max + 1 as soon as it is known to exceed max (a band of width max: O(n * max)). */
function levenshteinWithin(a, b, max) {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const INF = max + 1;
  const m = b.length;
  let prev = new Array(m + 1);
  let cur = new Array(m + 1);
  for (let j = 0; j <= m; j++) prev[j] = j <= max ? j : INF;
  for (let i = 1; i <= a.length; i++) {
    const lo = Math.max(1, i - max);
    const hi = Math.min(m, i + max);
    cur[lo - 1] = lo === 1 && i <= max ? i : INF;
    let rowMin = cur[lo - 1];
    for (let j = lo; j <= hi; j++) {
      const up = j <= i - 1 + max ? prev[j] : INF;
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      const d = Math.min(up + 1, cur[j - 1] + 1, prev[j - 1] + cost, INF);
      cur[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin >= INF) return INF;
    const t = prev;
    prev = cur;
    cur = t;
  }
  return Math.min(prev[m], INF);
}

/** The JSON objects and arrays embedded in a text (promptfoo's contains-json), bounded work. */
function jsonIn(text) {
  const found = [];
  const limit = Math.min(text.length, 200000);
  let attempts = 0;
  for (let i = 0; i < limit && attempts < 200; i++) {
    if (text[i] !== "{" && text[i] !== "[") continue;
    attempts++;
    let depth = 0;
    let inString = false;
    let end = -1;
    for (let k = i; k < limit; k++) {
      const ch = text[k];
      if (inString) {
        if (ch === "\\") k++;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === "{" || ch === "[") depth++;
      else if (ch === "}" || ch === "]") {
        depth--;
        if (depth === 0) {
          end = k;
          break;
        }
      }
    }
    if (end < 0) continue;
    try {
      found.push(JSON.parse(text.slice(i, end + 1)));
      i = end;
    } catch {
      // not JSON from here: look further on
    }
  }
  return found;
}

// promptfoo's regex assertions are JavaScript patterns that backtrack; they run in a worker
// thread, one at a time, and a match that takes longer than the limit ends that worker.
const REGEX_TIME_LIMIT_MS = 2000;
const REGEX_WORKER = [
  'const { parentPort } = require("node:worker_threads");',
  'parentPort.on("message", (job) => {',
  "  let reply;",
  "  try { reply = { id: job.id, match: new RegExp(job.pattern, job.flags).test(job.text) }; }",
  "  catch (err) { reply = { id: job.id, error: String((err && err.message) || err) }; }",
  "  parentPort.postMessage(reply);",
  "});",
].join("\n");
let regexWorker;
const regexJobs = new Map();
let lastJob = 0;

function startRegexWorker() {
  const worker = new Worker(REGEX_WORKER, { eval: true });
  worker.unref();
  worker.on("message", (reply) => {
    const job = regexJobs.get(reply.id);
    if (!job) return;
    regexJobs.delete(reply.id);
    clearTimeout(job.timer);
    if (reply.error !== undefined) job.reject(new Error("invalid regular expression: " + reply.error));
    else job.resolve(reply.match);
  });
  worker.on("error", (err) => {
    if (regexWorker === worker) regexWorker = undefined;
    for (const job of regexJobs.values()) {
      clearTimeout(job.timer);
      job.reject(err);
    }
    regexJobs.clear();
  });
  return worker;
}

function post(job) {
  regexWorker = regexWorker || startRegexWorker();
  clearTimeout(job.timer);
  job.timer = setTimeout(() => timedOut(job), REGEX_TIME_LIMIT_MS);
  regexWorker.postMessage({ id: job.id, pattern: job.pattern, flags: job.flags, text: job.text });
}

function timedOut(job) {
  regexJobs.delete(job.id);
  job.reject(new Error("the regular expression took longer than " + REGEX_TIME_LIMIT_MS + " ms on this output"));
  const stuck = regexWorker;
  regexWorker = undefined;
  if (stuck) {
    stuck.removeAllListeners("error");
    void stuck.terminate();
  }
  // the others were queued behind the stuck match: run them on a fresh worker
  for (const other of regexJobs.values()) post(other);
}

function regexTest(pattern, flags, text) {
  return new Promise((resolve, reject) => {
    lastJob += 1;
    const job = { id: lastJob, pattern, flags, text, resolve, reject, timer: undefined };
    regexJobs.set(job.id, job);
    post(job);
  });
}

const lower = (s) => String(s).toLowerCase();

/** Each check says whether its condition holds (ok) and what the output is (says); undefined ok: cannot judge. */
const CHECKS = {
  equals(c, text) {
    if (c.value !== null && typeof c.value === "object") {
      let parsed;
      try {
        parsed = JSON.parse(text);
      } catch {
        return { ok: false, says: "output is not JSON, so not " + show(JSON.stringify(c.value)) };
      }
      const ok = deepEqual(c.value, parsed);
      return { ok, says: ok ? "output equals " + show(JSON.stringify(c.value)) : "output is " + show(text) };
    }
    const ok = text === String(c.value);
    return { ok, says: ok ? "output equals " + show(c.value) : "output is " + show(text) };
  },
  contains: (c, text) => has(text.includes(String(c.value)), "contain", c.value),
  icontains: (c, text) => has(lower(text).includes(lower(c.value)), "contain (any case)", c.value),
  "contains-any": (c, text) => some(c.value, (v) => text.includes(String(v))),
  "icontains-any": (c, text) => some(c.value, (v) => lower(text).includes(lower(v))),
  "contains-all": (c, text) => every(c.value, (v) => text.includes(String(v))),
  "icontains-all": (c, text) => every(c.value, (v) => lower(text).includes(lower(v))),
  "starts-with": (c, text) => has(text.startsWith(String(c.value)), "start with", c.value),
  "ends-with": (c, text) => has(text.endsWith(String(c.value)), "end with", c.value),
  async regex(c, text) {
    try {
      return has(await regexTest(String(c.value), "", text), "match", c.value);
    } catch (err) {
      return { ok: undefined, says: message(err) };
    }
  },
  "is-json"(_c, text) {
    try {
      JSON.parse(text);
      return { ok: true, says: "output is JSON" };
    } catch {
      return { ok: false, says: "output is not JSON" };
    }
  },
  "contains-json"(_c, text) {
    const ok = jsonIn(text).length > 0;
    return { ok, says: ok ? "output contains JSON" : "output contains no JSON" };
  },
  levenshtein(c, text) {
    const max = typeof c.threshold === "number" ? c.threshold : 5;
    const d = levenshteinWithin(text, String(c.value), max);
    return { ok: d <= max, says: d <= max ? "edit distance " + d + " <= " + max : "edit distance > " + max };
  },
  latency(c, _text, output) {
    if (typeof output.latencyMs !== "number") return { ok: undefined, says: "no latency recorded" };
    const ok = output.latencyMs <= c.threshold;
    return { ok, says: "latency " + output.latencyMs + " ms " + (ok ? "<= " : "> ") + c.threshold + " ms" };
  },
  cost(c, _text, output) {
    if (typeof output.costUsd !== "number") return { ok: undefined, says: "no cost reported for the call" };
    const ok = output.costUsd <= c.threshold;
    return { ok, says: "cost $" + output.costUsd + (ok ? " <= $" : " > $") + c.threshold };
  },
};

function has(ok, verb, value) {
  return { ok, says: "output " + (ok ? "does " : "does not ") + verb + " " + show(value) };
}

function some(values, test) {
  const hit = values.find(test);
  return hit !== undefined
    ? { ok: true, says: "output contains " + show(hit) }
    : { ok: false, says: "output contains none of " + values.map(show).join(", ") };
}

function every(values, test) {
  const missing = values.filter((v) => !test(v));
  return missing.length === 0
    ? { ok: true, says: "output contains all of " + values.map(show).join(", ") }
    : { ok: false, says: "output is missing " + missing.map(show).join(", ") };
}

async function runCheck(check, output) {
  const name = (check.negate ? "not-" : "") + check.type;
  const run = hasOwn(CHECKS, check.type) ? CHECKS[check.type] : undefined;
  if (!run) return { type: name, pass: undefined, reason: name + ": unknown check" };
  let text;
  try {
    text = asText(transform(output.text, check.transform));
  } catch (err) {
    return { type: name, pass: false, reason: name + ": the transform failed (" + message(err) + ")" };
  }
  const verdict = await run(check, text, output);
  if (verdict.ok === undefined) return { type: name, pass: undefined, reason: name + ": " + verdict.says };
  return { type: name, pass: verdict.ok !== Boolean(check.negate), reason: name + ": " + verdict.says };
}

/** The custom evaluator (export "assertions"): every check the case carries for the dimension. */
export async function assertions(input, options) {
  const checks = casePayload(input, options);
  if (!checks) return notApplicable(options && options.dimension);
  const results = [];
  for (const check of checks) results.push(await runCheck(check, input.output));
  return combine(checks, results);
}

function pickFunction(mod, name) {
  const def = mod.default;
  if (name) {
    if (typeof mod[name] === "function") return mod[name];
    if (def && typeof def[name] === "function") return def[name];
    return undefined;
  }
  if (typeof def === "function") return def;
  if (def && typeof def.default === "function") return def.default;
  const fns = Object.values(mod).filter((v) => typeof v === "function");
  return fns.length === 1 ? fns[0] : undefined;
}

function lastUserMessage(output) {
  const messages = (output.trace && output.trace.messages) || [];
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i].role === "user") return messages[i].content;
  return undefined;
}

function grade(result, item) {
  let pass;
  let score;
  let reason;
  if (typeof result === "boolean") {
    pass = result;
    score = result ? 1 : 0;
  } else if (typeof result === "number" && Number.isFinite(result)) {
    score = result;
    pass = typeof item.threshold === "number" ? result >= item.threshold : result > 0;
  } else if (isObject(result) && (typeof result.pass === "boolean" || typeof result.score === "number")) {
    score = typeof result.score === "number" ? result.score : result.pass ? 1 : 0;
    pass =
      typeof result.pass === "boolean"
        ? result.pass
        : typeof item.threshold === "number"
          ? score >= item.threshold
          : score > 0;
    if (typeof result.reason === "string" && result.reason !== "") reason = result.reason;
  } else {
    return { pass: false, reason: "the assertion returned " + show(asText(result)) + ", not a boolean, a number or {pass, score, reason}" };
  }
  if (item.negate) pass = !pass;
  return { pass, score, reason: reason || "the assertion returned " + show(asText(result)) };
}

/** Runs a promptfoo javascript assertion module ((output, context) => boolean | number | GradingResult). */
export async function javascript(mod, input, options) {
  const items = casePayload(input, options);
  if (!items) return notApplicable(options && options.dimension);
  const fn = pickFunction(mod, options && options.export);
  if (!fn) throw new Error("the assertion module exports no function" + (options && options.export ? " named " + options.export : ""));
  const vars = isObject(input.case.input) ? input.case.input : { input: input.case.input };
  const results = [];
  for (const item of items) {
    let output;
    try {
      output = transform(input.output.text, item.transform);
    } catch (err) {
      results.push({ pass: false, reason: "the transform failed (" + message(err) + ")" });
      continue;
    }
    const context = {
      vars,
      prompt: lastUserMessage(input.output),
      test: { vars, description: input.case.id },
      config: item.config === undefined ? {} : item.config,
    };
    try {
      results.push(grade(await fn(output, context), item));
    } catch (err) {
      results.push({ pass: false, reason: "the assertion threw: " + message(err) });
    }
  }
  return combine(items, results);
}

function lookup(vars, path) {
  let v = vars;
  for (const key of path.split(".")) v = hasOwn(v, key) ? v[key] : undefined;
  return v === undefined || v === null ? "" : asText(v);
}

/** Renders {{ var }} and {{ var.field }} (the only tags a prompt for a provider module may use). */
function render(template, vars) {
  return template.replace(/\{\{-?\s*([A-Za-z_][\w.]*)\s*-?\}\}/g, (_m, path) => lookup(vars, path));
}

/** The prompt promptfoo passes to a provider: the text, or the chat messages as JSON. */
function renderPrompt(spec, vars) {
  return spec.chat
    ? JSON.stringify(spec.messages.map((m) => ({ role: m.role, content: render(m.content, vars) })))
    : render(spec.messages.map((m) => m.content).join("\n\n"), vars);
}

/** promptfoo's echo provider: the output is the prompt. */
export function echo(spec, input) {
  return renderPrompt(spec, isObject(input) ? input : { input });
}

/** Runs a promptfoo provider module (a class with callApi(prompt, context)) as an assay module target. */
export async function provider(mod, spec, input, ctx) {
  const vars = isObject(input) ? input : { input };
  const prompt = renderPrompt(spec, vars);
  const def = mod.default && mod.default.default ? mod.default.default : mod.default;
  const Impl = def || Object.values(mod).find((v) => typeof v === "function");
  let instance;
  if (typeof Impl === "function" && Impl.prototype && typeof Impl.prototype.callApi === "function") {
    instance = new Impl({ id: spec.id, config: spec.config || {} });
  } else if (Impl && typeof Impl.callApi === "function") instance = Impl;
  else throw new Error("the provider module exports no class with callApi(prompt, context)");
  const res = await instance.callApi(prompt, { vars, prompt: { raw: prompt, label: spec.label }, abortSignal: ctx && ctx.signal });
  if (!res) throw new Error("the provider returned nothing");
  if (res.error) throw new Error(String(res.error));
  const usage = isObject(res.tokenUsage)
    ? { inputTokens: Number(res.tokenUsage.prompt) || 0, outputTokens: Number(res.tokenUsage.completion) || 0 }
    : undefined;
  return {
    output: res.output === undefined || res.output === null ? "" : res.output,
    ...(usage ? { usage } : {}),
    ...(typeof res.cost === "number" ? { costUsd: res.cost } : {}),
  };
}
`;

const HEADER = "// Written by assay import promptfoo (see IMPORT-REPORT.md).";

/** A custom evaluator module that runs a promptfoo javascript assertion file. */
export function jsWrapper(specifier: string): string {
  return [
    HEADER,
    "// Runs a promptfoo javascript assertion, (output, context) => boolean | number | {pass, score, reason},",
    "// as an assay custom evaluator; its checks for each case are the case's expected.<dimension>.",
    `import * as assertion from ${JSON.stringify(specifier)};`,
    'import { javascript } from "./promptfoo.mjs";',
    "",
    "export default function promptfooJavascript(input, options) {",
    "  return javascript(assertion, input, options);",
    "}",
    "",
  ].join("\n");
}

/** A module target for promptfoo's `echo` provider: the prompt, rendered from the case's vars. */
export function echoWrapper(spec: Record<string, unknown>): string {
  return [
    HEADER,
    "// promptfoo's echo provider as an assay module target: the output is the prompt below, rendered",
    "// from the case's vars.",
    'import { echo } from "../evaluators/promptfoo.mjs";',
    "",
    `const SPEC = ${JSON.stringify(spec, null, 2)};`,
    "",
    "export default function promptfooEcho(input) {",
    "  return echo(SPEC, input);",
    "}",
    "",
  ].join("\n");
}

/** A module target that runs a promptfoo provider module with one of the config's prompts. */
export function providerWrapper(specifier: string, spec: Record<string, unknown>): string {
  return [
    HEADER,
    "// Runs a promptfoo provider module (callApi(prompt, context)) as an assay module target, with the",
    "// prompt below rendered from the case's vars.",
    `import * as source from ${JSON.stringify(specifier)};`,
    'import { provider } from "../evaluators/promptfoo.mjs";',
    "",
    `const SPEC = ${JSON.stringify(spec, null, 2)};`,
    "",
    "export default function promptfooProvider(input, ctx) {",
    "  return provider(source, SPEC, input, ctx);",
    "}",
    "",
  ].join("\n");
}
