import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseProvider } from "../../llm/client.ts";
import type { ImportedSuite, ImportNote, ImportOptions } from "../types.ts";
import { ImportError } from "../types.ts";
import { FUZZY_MATCH_MODULE, JSON_MATCH_MODULE } from "./modules.ts";
import {
  isRecord,
  noteAt,
  readJsonl,
  readSourceDoc,
  type SourceDoc,
  safeName,
  uniqueName,
} from "./source.ts";

/**
 * The open-source evals registry (`evals/registry/evals/*.yaml`): an entry `name: {id: name.dev.v0}`
 * points at the eval `name.dev.v0: {class, args: {samples_jsonl, …}}`, whose samples
 * (`{"input": chat messages or text, "ideal": text or a list}`) live under `registry/data/`.
 * Classes → dimensions:
 * - `Match` (the answer starts with an ideal) → contains with `position: start`;
 * - `Includes` (contains an ideal; `ignore_case`) → contains;
 * - `FuzzyMatch` (either text contains the other after normalisation) → a generated custom
 *   evaluator (evals' own rule, written out in modules.ts), with evals' `f1_score` as token-f1 beside it;
 * - `JsonMatch` (the answer parses to JSON equal to an ideal's) → a generated custom evaluator;
 * - `ModelBasedClassify` with a `modelgraded_spec` (prompt, `choice_strings`, `choice_scores`) →
 *   llm-judge whose rubric is the spec's prompt and whose levels are the choices by score.
 * Several evals in one file each get their cases (tag `eval`) and dimensions reading their own
 * field of the expected value, so a dimension leaves the other evals' cases unscored.
 */

const MATCH = /(?:^|[.:])Match$/;

export function isRegistry(value: unknown): boolean {
  if (!isRecord(value)) return false;
  return Object.values(value).some((v) => isRecord(v) && typeof v.class === "string");
}

interface EvalEntry {
  key: string;
  /** the alias that runs it (`test-match` for `test-match.s1.simple-v0`), else the key */
  name: string;
  /** the key of its expected values and the prefix of its dimensions: the name without dots (paths split at dots) */
  slot: string;
  cls: string;
  args: Record<string, unknown>;
  description?: string;
}

export function importRegistry(
  src: SourceDoc,
  opts: ImportOptions,
  show: (abs: string) => string,
): ImportedSuite {
  const root = src.value as Record<string, unknown>;
  const notes: ImportNote[] = [];
  const sources = [src.shown];
  const note = (path: Array<string | number>, feature: string, reason: string) =>
    notes.push(noteAt(src, path, feature, reason));

  // which evals: those an alias (`name: {id: …}`) points at, else every concrete one
  const concrete = Object.entries(root).filter(([, v]) => isRecord(v) && typeof v.class === "string");
  const aliases = Object.entries(root).filter(
    ([, v]) => isRecord(v) && typeof v.id === "string" && v.class === undefined,
  );
  const aliased = new Set(aliases.map(([, v]) => String((v as Record<string, unknown>).id)));
  const chosen = concrete.filter(([k]) => aliased.size === 0 || aliased.has(k));
  for (const [k] of concrete) {
    if (!chosen.some(([c]) => c === k))
      note([k], k, "no alias in this file points at this eval (it runs only by its full name): not imported");
  }
  for (const [k, v] of aliases) {
    const id = String((v as Record<string, unknown>).id);
    if (!concrete.some(([c]) => c === id))
      note([k, "id"], `${k} → ${id}`, "the eval it points at is not in this file");
  }
  const evals: EvalEntry[] = chosen.map(([key, v]) => {
    const e = v as Record<string, unknown>;
    const aliasEntry = aliases.find(([, a]) => (a as Record<string, unknown>).id === key);
    const alias = aliasEntry?.[1] as Record<string, unknown> | undefined;
    const description =
      typeof alias?.description === "string"
        ? alias.description
        : typeof e.description === "string"
          ? e.description
          : undefined;
    const name = aliasEntry?.[0] ?? key;
    const slot = name.replace(/[^A-Za-z0-9_-]+/g, "_");
    return {
      key,
      name,
      slot,
      cls: String(e.class),
      args: isRecord(e.args) ? e.args : {},
      ...(description ? { description } : {}),
    };
  });
  if (evals.length === 0) throw new ImportError("no eval with a class in this registry file", src.shown);

  if (opts.model) {
    try {
      parseProvider(opts.model);
    } catch (err) {
      throw new ImportError(`--model: ${(err as Error).message}`);
    }
  }
  const model = opts.model ?? "openai:your-model";
  const several = evals.length > 1;
  const dimensions: Record<string, Record<string, unknown>> = {};
  const files: Record<string, string> = {};
  const taken = new Set<string>();
  const lines: string[] = [];
  let cases = 0;

  for (const ev of evals) {
    const prefix = several ? `${ev.slot}.` : "";
    const field = several ? ev.slot : undefined;
    const samplesArg = ev.args.samples_jsonl;
    if (typeof samplesArg !== "string") {
      note([ev.key, "args"], `${ev.key}: samples_jsonl`, "no samples file: not imported");
      continue;
    }
    const samplesFile = findRegistryFile(src.abs, opts, "data", samplesArg, [ev.key, ev.name, "samples"]);
    if (!samplesFile) {
      note(
        [ev.key, "args", "samples_jsonl"],
        `${ev.key}: samples_jsonl ${samplesArg}`,
        `file not found (looked beside the YAML, in registry/data/ and the working directory): supply it with --data ${ev.key}=FILE`,
      );
      continue;
    }
    const samples = readJsonl(samplesFile, show(samplesFile));
    sources.push(show(samplesFile));

    // few-shot (Match, Includes, FuzzyMatch): the first n few-shot samples' messages before the last input message
    let fewShot: unknown[] = [];
    const n = typeof ev.args.num_few_shot === "number" ? ev.args.num_few_shot : 0;
    if (n > 0 && typeof ev.args.few_shot_jsonl === "string") {
      const f = findRegistryFile(src.abs, opts, "data", ev.args.few_shot_jsonl, [`${ev.key}.few_shot`]);
      if (f) {
        fewShot = readJsonl(f, show(f))
          .slice(0, n)
          .flatMap((l) => (Array.isArray(l.value.sample) ? l.value.sample : []));
        sources.push(show(f));
      } else
        note(
          [ev.key, "args", "few_shot_jsonl"],
          `${ev.key}: few_shot_jsonl`,
          "file not found: the prompts have no few-shot examples",
        );
    }

    const dims = dimensionsFor(ev, src, opts, show, model, field, { note, notes }, files, sources);
    for (const [name, d] of Object.entries(dims)) dimensions[uniqueName(`${prefix}${name}`, taken)] = d;
    if (Object.keys(dims).length === 0) continue;

    samples.forEach(({ value: s }, i) => {
      let input: unknown = s.input;
      if (Array.isArray(input)) {
        let messages = input.filter(isRecord).map((m) => ({
          role: String(m.role ?? "user"),
          content: String(m.content ?? ""),
          ...(typeof m.name === "string" ? { name: m.name } : {}),
        }));
        if (fewShot.length > 0) {
          const few = fewShot
            .filter(isRecord)
            .map((m) => ({ role: String(m.role ?? "user"), content: String(m.content ?? "") }));
          messages = [...messages.slice(0, -1), ...few, ...messages.slice(-1)];
        }
        input = { messages };
      } else if (typeof input !== "string") {
        input = JSON.stringify(input ?? "");
      }
      const ideal = s.ideal;
      const expected: Record<string, unknown> = {};
      if (ideal !== undefined) expected.ideal = ideal;
      for (const [k, v] of Object.entries(s)) if (k !== "input" && k !== "ideal") expected[k] = v;
      const caseExpected = several ? { [ev.slot]: expected } : expected;
      lines.push(
        JSON.stringify({
          id: `${ev.slot}-${i + 1}`,
          input,
          ...(Object.keys(expected).length > 0 ? { expected: caseExpected } : {}),
          tags: { eval: ev.name },
        }),
      );
      cases++;
    });
  }
  if (cases === 0 || Object.keys(dimensions).length === 0) {
    throw new ImportError(
      "no eval of this file could be imported (see the notes: samples not found, classes without an equivalent)" +
        (notes.length > 0 ? `: ${notes[0].feature}: ${notes[0].reason}` : ""),
      src.shown,
    );
  }
  if (!opts.model) {
    note(
      [evals[0].key],
      "model",
      "evals are run with a completion function named on the command line: the target (and any model-graded judge) uses the placeholder openai:your-model; import again with --model provider:name",
    );
  }
  const jsonMatch = evals.some((e) => /JsonMatch$/.test(e.cls));
  const name = evals.length === 1 ? evals[0].name : (Object.keys(root)[0] ?? "openai-evals");
  files["datasets/samples.jsonl"] = `${lines.join("\n")}\n`;
  const suite: Record<string, unknown> = {
    suite: safeName(name, "openai-evals"),
    ...(evals[0].description ? { description: evals[0].description } : {}),
    dataset: "datasets/samples.jsonl",
    targets: [
      {
        id: safeName(model.slice(model.indexOf(":") + 1), "model"),
        provider: model,
        // evals samples at temperature 0 (Match, Includes, FuzzyMatch, JsonMatch hard-code it)
        options: { temperature: 0, ...(jsonMatch ? { maxTokens: 512 } : {}) },
      },
    ],
    dimensions,
  };
  return {
    suite: suite as unknown as ImportedSuite["suite"],
    files,
    notes,
    sources: [...new Set(sources)],
    counts: { cases, targets: 1, dimensions: Object.keys(dimensions).length },
  };
}

/**
 * A registry file named relative to `registry/<kind>/`: `--data` first (by eval key), then beside
 * the YAML, then `../<kind>/` (the YAML in registry/evals/), then the working directory.
 */
function findRegistryFile(
  yamlAbs: string,
  opts: ImportOptions,
  kind: string,
  rel: string,
  dataKeys: string[],
): string | undefined {
  for (const k of dataKeys) if (opts.data[k]) return resolve(opts.cwd, opts.data[k]);
  const dir = dirname(yamlAbs);
  for (const candidate of [
    resolve(dir, rel),
    resolve(dir, "..", kind, rel),
    resolve(dir, "..", "..", kind, rel),
    resolve(opts.cwd, rel),
  ]) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

type Note = (path: Array<string | number>, feature: string, reason: string) => void;

/** `note` reports at a node of the registry YAML; `notes` takes notes about other files as they are. */
interface Notes {
  note: Note;
  notes: ImportNote[];
}

function dimensionsFor(
  ev: EvalEntry,
  src: SourceDoc,
  opts: ImportOptions,
  show: (abs: string) => string,
  model: string,
  field: string | undefined,
  reporter: Notes,
  files: Record<string, string>,
  sources: string[],
): Record<string, Record<string, unknown>> {
  const { note } = reporter;
  const ideal = field ? `${field}.ideal` : "ideal";
  const cls = ev.cls.split(":").at(-1) ?? ev.cls;
  if (MATCH.test(cls) && cls !== "JsonMatch" && cls !== "FuzzyMatch") {
    return {
      accuracy: {
        evaluator: "contains",
        with: { field: ideal, position: "start" },
        description: "evals Match: the answer starts with an ideal answer",
      },
    };
  }
  if (cls === "Includes") {
    return {
      accuracy: {
        evaluator: "contains",
        with: { field: ideal, ...(ev.args.ignore_case === true ? { caseInsensitive: true } : {}) },
        description: "evals Includes: the answer contains an ideal answer",
      },
    };
  }
  if (cls === "FuzzyMatch") {
    files["evaluators/fuzzy-match.mjs"] = FUZZY_MATCH_MODULE;
    return {
      accuracy: {
        evaluator: "custom",
        with: { module: "evaluators/fuzzy-match.mjs", options: { field: ideal } },
        description: "evals FuzzyMatch accuracy",
      },
      f1_score: {
        evaluator: "token-f1",
        with: { field: ideal },
        weight: 0,
        description: "evals FuzzyMatch f1_score (best over the ideal answers)",
      },
    };
  }
  if (cls === "JsonMatch") {
    files["evaluators/json-match.mjs"] = JSON_MATCH_MODULE;
    return {
      accuracy: {
        evaluator: "custom",
        with: { module: "evaluators/json-match.mjs", options: { field: ideal } },
        description: "evals JsonMatch: the answer's JSON equals an ideal's",
      },
    };
  }
  if (cls === "ModelBasedClassify" || typeof ev.args.modelgraded_spec === "string") {
    return modelGraded(ev, src, opts, show, model, field, reporter, files, sources);
  }
  note(
    [ev.key, "class"],
    `${ev.key}: class ${ev.cls}`,
    "a Python eval class with no assay equivalent: its samples are not imported",
  );
  return {};
}

function modelGraded(
  ev: EvalEntry,
  src: SourceDoc,
  opts: ImportOptions,
  show: (abs: string) => string,
  model: string,
  field: string | undefined,
  { note, notes }: Notes,
  files: Record<string, string>,
  sources: string[],
): Record<string, Record<string, unknown>> {
  const specName = ev.args.modelgraded_spec;
  if (typeof specName !== "string") {
    note([ev.key, "args"], `${ev.key}: modelgraded_spec`, "no spec named: not imported");
    return {};
  }
  const specFile = findRegistryFile(src.abs, opts, "modelgraded", `${specName}.yaml`, [`${specName}.spec`]);
  if (!specFile) {
    note(
      [ev.key, "args", "modelgraded_spec"],
      `${ev.key}: modelgraded_spec ${specName}`,
      `registry/modelgraded/${specName}.yaml not found: supply it with --data ${specName}.spec=FILE`,
    );
    return {};
  }
  const specDoc = readSourceDoc(specFile, show(specFile));
  sources.push(specDoc.shown);
  const specRoot = specDoc.value;
  const nested = isRecord(specRoot) && isRecord(specRoot[specName]);
  const spec = nested ? (specRoot[specName] as Record<string, unknown>) : isRecord(specRoot) ? specRoot : {};
  const specPath = nested ? [specName] : [];
  const noteSpec = (path: string[], feature: string, reason: string) =>
    notes.push(noteAt(specDoc, [...specPath, ...path], feature, reason));

  // the prompt: text, or chat messages
  const promptRaw = spec.prompt;
  let promptText: string;
  if (typeof promptRaw === "string") promptText = promptRaw;
  else if (Array.isArray(promptRaw))
    promptText = promptRaw
      .filter(isRecord)
      .map((m) => `### ${String(m.role ?? "user")}\n\n${String(m.content ?? "")}`)
      .join("\n\n");
  else {
    noteSpec(["prompt"], `${specName}: prompt`, "no prompt: not imported");
    return {};
  }
  // choices and their scores
  const cs = spec.choice_strings;
  const choices: string[] =
    typeof cs === "string" ? (cs === "from_n" ? [] : [...cs]) : Array.isArray(cs) ? cs.map(String) : [];
  if (choices.length === 0) {
    noteSpec(["choice_strings"], `${specName}: choice_strings`, "no choices: not imported");
    return {};
  }
  const rawScores = spec.choice_scores;
  const scores = new Map<string, number>();
  if (rawScores === "from_strings") for (const c of choices) scores.set(c, Number(c));
  else if (isRecord(rawScores))
    for (const [k, v] of Object.entries(rawScores)) if (typeof v === "number") scores.set(k, v);
  if (scores.size === 0 || choices.some((c) => !scores.has(c) || Number.isNaN(scores.get(c)))) {
    noteSpec(
      ["choice_scores"],
      `${specName}: choice_scores`,
      "the choices have no scores (a classification with no pass or fail): not imported",
    );
    return {};
  }
  // fill the spec's own arguments ({criteria}…) and point the rest at the judge's blocks
  const args = isRecord(ev.args.modelgraded_spec_args) ? ev.args.modelgraded_spec_args : {};
  const io = isRecord(spec.input_outputs) ? spec.input_outputs : { input: "completion" };
  const completionKeys = new Set(Object.values(io).map(String));
  const inputKeys = new Set(Object.keys(io));
  let usesIdeal = false;
  const text = promptText.replace(/\{([A-Za-z_]\w*)\}/g, (_whole, key: string) => {
    if (completionKeys.has(key)) return "[the answer under judgment]";
    if (inputKeys.has(key)) return "[the task given to the assistant]";
    if (key === "ideal") {
      usesIdeal = true;
      return "[the reference answer]";
    }
    if (Object.hasOwn(args, key)) {
      const v = args[key];
      return isRecord(v)
        ? Object.entries(v)
            .map(([a, b]) => `${a}: ${String(b)}`)
            .join("\n")
        : String(v);
    }
    return `[the sample's \`${key}\`]`;
  });
  for (const m of text.matchAll(/\[the sample's `(\w+)`\]/g)) {
    noteSpec(
      ["prompt"],
      `${specName}: {${m[1]}}`,
      "a sample field the judge does not see (only the input, the answer and the ideal reach it)",
    );
  }
  const distinct = [...new Set(scores.values())].sort((a, b) => a - b);
  const binary = distinct.length === 2;
  const evenly = distinct.every(
    (s, i) =>
      Math.abs((s - distinct[0]) / (distinct.at(-1)! - distinct[0]) - i / (distinct.length - 1)) < 1e-9,
  );
  if (distinct.length > 11) {
    noteSpec(["choice_scores"], `${specName}: choice_scores`, "more than 11 distinct scores: not imported");
    return {};
  }
  if (!binary && !evenly) {
    noteSpec(
      ["choice_scores"],
      `${specName}: choice_scores ${distinct.join(", ")}`,
      "the scores are not evenly spaced: the judge's levels are their ranks, so scores in between are spread evenly",
    );
  }
  const byScore = (s: number) =>
    choices
      .filter((c) => scores.get(c) === s)
      .map((c) => JSON.stringify(c))
      .join(" or ");
  const levels = binary
    ? `- pass — the choice the instructions lead to is ${byScore(distinct[1])} (score ${distinct[1]}).\n- fail — the choice is ${byScore(distinct[0])} (score ${distinct[0]}).`
    : distinct
        .map((s, i) => `- ${i} — the choice the instructions lead to is ${byScore(s)} (score ${s}).`)
        .join("\n");
  const rubric =
    `# ${specName}\n\n<!-- Imported by \`assay import openai-evals\` from ${specDoc.shown} (modelgraded_spec of ${ev.key}). -->\n\n` +
    `## Criterion\n\nThe eval asked a model to answer these instructions with one of ${choices.map((c) => JSON.stringify(c)).join(", ")}. ` +
    "In them, [the task given to the assistant] is the input block, [the answer under judgment] the output block" +
    `${usesIdeal ? " and [the reference answer] the reference block" : ""}.\n\n${text.trim()}\n\n## Levels\n\n${levels}\n`;
  if (field !== undefined && !usesIdeal) {
    note(
      [ev.key, "args", "modelgraded_spec"],
      `${ev.key}: modelgraded_spec ${specName} among several evals`,
      "the judge cannot tell this eval's cases from the others' (its spec uses no {ideal}): it scores every case of the suite; import the eval from a file of its own to keep it to its samples",
    );
  }
  const rubricFile = `rubrics/${safeName(specName, "spec")}.md`;
  files[rubricFile] = rubric;
  const withOptions: Record<string, unknown> = {
    model,
    rubric: rubricFile,
    scale: binary ? "binary" : [0, distinct.length - 1],
    ...(usesIdeal ? { reference: true, field: field ? `${field}.ideal` : "ideal" } : {}),
  };
  return {
    [safeName(specName, "score")]: {
      evaluator: "llm-judge",
      with: withOptions,
      description: `evals model-graded spec ${specName}: choices ${choices.join(", ")}`,
    },
  };
}
