import { existsSync, readdirSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { parseProvider } from "../../llm/client.ts";
import type { ImportedSuite, Importer, ImportNote, ImportOptions } from "../types.ts";
import { ImportError } from "../types.ts";
import type { Doc, DocField } from "./jinja.ts";
import { buildCases, type PromptFields, type PromptPlan } from "./prompt.ts";
import { readRows } from "./rows.ts";
import { dimensionName, scoringOf } from "./scoring.ts";
import { isPyFunction, loadTaskYaml, type TaskYaml } from "./task-yaml.ts";

/**
 * `assay import lm-eval TASK.yaml`: an lm-eval-harness task (its YAML with includes, local json /
 * csv data files or rows supplied with `--data SPLIT=FILE`) into a suite. Each document of the
 * evaluation split becomes a case whose input is the prompt lm-eval would send (Jinja rendered
 * at import time, few-shot examples drawn as lm-eval draws them) and whose expected value is the
 * reference answer; the target is `--model provider:name` (default a placeholder the report
 * names) with `generation_kwargs` as its options; metric_list × filter_list become dimensions
 * (scoring.ts). Python hooks (`!function`, `process_results`) are reported, never run.
 */

/** The target used when `--model` is not given: the report tells to replace it. */
export const PLACEHOLDER_MODEL = "openai:your-model";

const LOCAL_BUILDERS = new Set(["json", "csv", "text", "parquet", "arrow"]);

/** Keys that only matter to lm-eval's own runner, or are handled elsewhere: not reported. */
const KNOWN_KEYS = new Set([
  "task",
  "task_alias",
  "tag",
  "group",
  "group_alias",
  "include",
  "dataset_path",
  "dataset_name",
  "dataset_kwargs",
  "training_split",
  "validation_split",
  "test_split",
  "fewshot_split",
  "doc_to_text",
  "doc_to_target",
  "doc_to_choice",
  "description",
  "target_delimiter",
  "fewshot_delimiter",
  "fewshot_config",
  "num_fewshot",
  "output_type",
  "generation_kwargs",
  "repeats",
  "filter_list",
  "metric_list",
  "metadata",
  "should_decontaminate",
  "doc_to_decontamination_query",
  "process_results",
  "process_docs",
  "use_prompt",
  "unsafe_code",
  "gen_prefix",
  "doc_to_image",
  "doc_to_audio",
  "multiple_input",
  "class",
]);

export const importLmEval: Importer = async (source: string, opts: ImportOptions): Promise<ImportedSuite> => {
  const show = (abs: string) => {
    const rel = relative(opts.cwd, abs);
    return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : abs;
  };
  const file = taskFile(resolve(opts.cwd, source), show);
  const task = loadTaskYaml(file, show);
  const c = task.config;
  const notes: ImportNote[] = [];
  const noteAt = (feature: string, reason: string, key: string, ...path: Array<string | number>) => {
    const at = task.where(key, ...path);
    notes.push({ file: at.file, ...(at.line !== undefined ? { line: at.line } : {}), feature, reason });
  };

  const name = typeof c.task === "string" ? c.task : undefined;
  if (Array.isArray(c.task) || (c.group !== undefined && c.task === undefined)) {
    throw new ImportError(
      "this is a group of tasks; import each task's YAML on its own (one suite per task)",
      task.files[0],
    );
  }
  if (!name) throw new ImportError("no `task:` name: not an lm-eval task YAML", task.files[0]);
  if (c.class !== undefined) {
    throw new ImportError(
      "the task is a Python class (`class: !function …`), which is never executed",
      task.files[0],
    );
  }

  const outputType = typeof c.output_type === "string" ? c.output_type : "generate_until";
  if (outputType === "loglikelihood" || outputType === "loglikelihood_rolling") {
    const at = task.where("output_type");
    throw new ImportError(
      `output_type ${outputType} scores log-probabilities (perplexity), which a generation target cannot give`,
      at.file,
      at.line,
    );
  }
  const multipleChoice = outputType === "multiple_choice";
  if (outputType !== "generate_until" && !multipleChoice) {
    noteAt(`output_type: ${outputType}`, "unknown output type: imported as generate_until", "output_type");
  }
  if (multipleChoice) {
    noteAt(
      "output_type: multiple_choice",
      "lm-eval picks the choice with the highest log-likelihood, which needs log-probabilities; imported as generation: the choices are listed under the question as lettered options and the model's letter is compared with the correct one",
      "output_type",
    );
  }

  for (const key of Object.keys(c)) {
    if (KNOWN_KEYS.has(key)) continue;
    noteAt(key, "not a key this importer knows: ignored", key);
  }
  for (const key of ["process_docs", "use_prompt", "gen_prefix", "doc_to_image", "doc_to_audio"] as const) {
    if (c[key] === undefined) continue;
    const v = c[key];
    const reason =
      key === "process_docs"
        ? "Python preprocessing is never executed: the rows are used as they are"
        : key === "use_prompt"
          ? "promptsource prompts are not available here"
          : key === "gen_prefix"
            ? "not supported: the prompt ends with doc_to_text"
            : "only text is imported";
    noteAt(`${key}${isPyFunction(v) ? `: ${v.$function}` : ""}`, reason, key);
  }

  // fields
  const fields: Partial<PromptFields> = {};
  for (const [key, prop] of [
    ["doc_to_text", "docToText"],
    ["doc_to_target", "docToTarget"],
    ["doc_to_choice", "docToChoice"],
  ] as const) {
    const v = c[key];
    if (v === undefined || v === null) continue;
    if (isPyFunction(v)) {
      noteAt(`${key}: !function ${v.$function}`, "Python code is never executed", key);
      continue;
    }
    fields[prop] = v as DocField;
  }
  if (fields.docToText === undefined) {
    const at = task.where("doc_to_text");
    throw new ImportError(
      "no usable doc_to_text (a column name or a Jinja template): no prompt can be built",
      at.file,
      at.line,
    );
  }
  if (fields.docToTarget === undefined) {
    noteAt(
      "doc_to_target",
      "no usable target: the cases have no expected answer, so the dimensions leave them unscored",
      c.doc_to_target === undefined ? "task" : "doc_to_target",
    );
  }
  if (multipleChoice && fields.docToChoice === undefined) {
    const at = task.where("doc_to_choice");
    throw new ImportError("a multiple_choice task needs doc_to_choice", at.file, at.line);
  }

  // data: lm-eval evaluates the test split, else the validation split; when only the other one
  // can be had (or a single --data split under another name), that one, with a note
  const configured = [str(c.test_split), str(c.validation_split)].filter((s): s is string => s !== undefined);
  if (configured.length === 0) {
    throw new ImportError("no test_split or validation_split: no documents to evaluate", task.files[0]);
  }
  const data = new DataSource(task, opts, show);
  let evalSplit = configured.find((s) => data.available(s)) ?? configured[0];
  const supplied = Object.keys(opts.data).filter(
    (s) => s !== str(c.fewshot_split) && s !== str(c.training_split),
  );
  if (!data.available(evalSplit) && supplied.length === 1) evalSplit = supplied[0];
  if (evalSplit !== configured[0]) {
    noteAt(
      `${c.test_split !== undefined ? "test_split" : "validation_split"}: ${configured[0]}`,
      `no rows for split "${configured[0]}": split "${evalSplit}" is evaluated instead`,
      c.test_split !== undefined ? "test_split" : "validation_split",
    );
  }
  const evalDocs = data.split(evalSplit, "the evaluation split");
  if (evalDocs.length === 0) throw new ImportError(`split "${evalSplit}" has no rows`, data.shown(evalSplit));

  const numFewshot = typeof c.num_fewshot === "number" && c.num_fewshot > 0 ? Math.floor(c.num_fewshot) : 0;
  const fewCfg = (c.fewshot_config ?? {}) as Record<string, unknown>;
  let fewshotDocs: Doc[] = [];
  let sampler: PromptPlan["sampler"] = "default";
  if (numFewshot > 0) {
    const s = fewCfg.sampler;
    if (s === "first_n") sampler = "first_n";
    else if (s !== undefined && s !== "default") {
      noteAt(
        `fewshot_config.sampler: ${String(s)}`,
        "unknown sampler: the default (seeded random) sampler is used",
        "fewshot_config",
        "sampler",
      );
    }
    const fewSplit = str(c.fewshot_split);
    if (fewSplit && data.available(fewSplit)) fewshotDocs = data.split(fewSplit, "the few-shot split");
    else if (fewSplit) {
      noteAt(
        `fewshot_split: ${fewSplit}`,
        `no rows for split "${fewSplit}" (supply them with --data ${fewSplit}=FILE): the prompts have no few-shot examples`,
        "fewshot_split",
      );
    } else if (Array.isArray(fewCfg.samples)) fewshotDocs = fewCfg.samples as Doc[];
    else if (isPyFunction(fewCfg.samples)) {
      noteAt(
        `fewshot_config.samples: !function ${fewCfg.samples.$function}`,
        "Python code is never executed: the prompts have no few-shot examples",
        "fewshot_config",
        "samples",
      );
    } else {
      // lm-eval: the training split, else the validation split, else the test split
      const fallback = [str(c.training_split), str(c.validation_split), str(c.test_split)].find(
        (s): s is string => s !== undefined && data.available(s),
      );
      if (fallback) fewshotDocs = data.split(fallback, "the few-shot split");
      else {
        noteAt(
          `num_fewshot: ${numFewshot}`,
          "no few-shot split is available (supply one with --data SPLIT=FILE): the prompts have no examples",
          "num_fewshot",
        );
      }
    }
  }
  const fewshotFields: Partial<PromptFields> = {};
  for (const [key, prop] of [
    ["doc_to_text", "docToText"],
    ["doc_to_target", "docToTarget"],
    ["doc_to_choice", "docToChoice"],
  ] as const) {
    const v = fewCfg[key];
    if (v === undefined) continue;
    if (isPyFunction(v))
      noteAt(
        `fewshot_config.${key}: !function ${v.$function}`,
        "Python code is never executed: the task's own is used",
        "fewshot_config",
        key,
      );
    else fewshotFields[prop] = v as DocField;
  }
  const description = c.description;
  if (isPyFunction(description)) noteAt("description", "Python code is never executed", "description");

  const plan: PromptPlan = {
    fields: fields as PromptFields,
    fewshotFields: fewshotFields as PromptFields,
    description: typeof description === "string" && description !== "" ? description : undefined,
    targetDelimiter:
      typeof (fewCfg.target_delimiter ?? c.target_delimiter) === "string"
        ? String(fewCfg.target_delimiter ?? c.target_delimiter)
        : " ",
    fewshotDelimiter:
      typeof (fewCfg.fewshot_delimiter ?? c.fewshot_delimiter) === "string"
        ? String(fewCfg.fewshot_delimiter ?? c.fewshot_delimiter)
        : "\n\n",
    numFewshot: fewshotDocs.length > 0 ? numFewshot : 0,
    sampler,
    seed: 1234,
    drawExtra: (c.fewshot_split ?? null) === (c.test_split ?? null),
    multipleChoice,
  };
  const built = buildCases(plan, evalDocs, fewshotDocs);
  if (built.skipped.length > 0) {
    const first = built.skipped[0];
    noteAt(
      `${built.skipped.length} document(s) of split "${evalSplit}"`,
      `left out: their prompt or answer could not be built (document ${first.index}: ${first.reason})`,
      "doc_to_text",
    );
  }
  if (built.listTargets > 0) {
    noteAt(
      "doc_to_target (a list of answers)",
      `${built.listTargets} document(s) have several acceptable answers; only the first is the expected value`,
      "doc_to_target",
    );
  }
  if (built.cases.length === 0) {
    throw new ImportError(
      `no document could be imported (first problem: ${built.skipped[0]?.reason ?? "none"})`,
      task.files[0],
    );
  }

  // scoring and the target
  const repeats = typeof c.repeats === "number" && c.repeats > 1 ? Math.floor(c.repeats) : 1;
  const scoring = scoringOf(c, task.where, multipleChoice, repeats);
  notes.push(...scoring.notes);
  if (Object.keys(scoring.dimensions).length === 0) {
    throw new ImportError(
      "no metric of metric_list can be scored here (see exact_match, bleu)",
      task.files[0],
    );
  }
  const target = targetOf(c, opts, noteAt, multipleChoice);

  const suiteName = dimensionName(name).replace(/^[^A-Za-z0-9]+/, "") || "lm-eval-task";
  const datasetFile = `datasets/${suiteName}.jsonl`;
  const lines = built.cases.map((bc) =>
    JSON.stringify({
      id: `${suiteName}-${bc.index}`,
      input: bc.prompt,
      ...(bc.expected !== undefined ? { expected: bc.expected } : {}),
      tags: { task: name, split: evalSplit },
    }),
  );
  const suite: Record<string, unknown> = {
    suite: suiteName,
    description: `lm-eval task ${name}${multipleChoice ? " (multiple choice asked as generation)" : ""}`,
    dataset: datasetFile,
    targets: [target],
    ...(repeats > 1 ? { epochs: repeats } : {}),
    dimensions: scoring.dimensions,
  };
  return {
    suite: suite as unknown as ImportedSuite["suite"],
    files: { [datasetFile]: `${lines.join("\n")}\n` },
    notes,
    sources: [...task.files, ...data.read],
    counts: { cases: built.cases.length, targets: 1, dimensions: Object.keys(scoring.dimensions).length },
  };
};

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** The task YAML: the file itself, or the only task YAML in a folder. */
function taskFile(abs: string, show: (abs: string) => string): string {
  if (!existsSync(abs)) throw new ImportError("no such file or folder", show(abs));
  if (!statSync(abs).isDirectory()) return abs;
  const yamls = readdirSync(abs).filter((f) => /\.ya?ml$/i.test(f) && !f.startsWith("_"));
  if (yamls.length === 1) return join(abs, yamls[0]);
  throw new ImportError(
    yamls.length === 0
      ? "no task YAML in this folder"
      : `several task YAMLs here (${yamls.join(", ")}): name one`,
    show(abs),
  );
}

type NoteAt = (feature: string, reason: string, key: string, ...path: Array<string | number>) => void;

function targetOf(
  c: Record<string, unknown>,
  opts: ImportOptions,
  noteAt: NoteAt,
  multipleChoice: boolean,
): Record<string, unknown> {
  let provider = opts.model ?? PLACEHOLDER_MODEL;
  try {
    parseProvider(provider);
  } catch (err) {
    throw new ImportError(`--model: ${(err as Error).message}`);
  }
  if (!opts.model) {
    noteAt(
      "model",
      `the task names no model: the target uses the placeholder ${PLACEHOLDER_MODEL}; import again with --model provider:name (OpenAI-compatible servers: set OPENAI_BASE_URL and OPENAI_API_KEY) or edit targets[0].provider`,
      "task",
    );
  }
  provider = provider.trim();
  const model = provider.slice(provider.indexOf(":") + 1);
  const options: Record<string, unknown> = {};
  const gk = (c.generation_kwargs ?? {}) as Record<string, unknown>;
  if (!multipleChoice) {
    const until = gk.until;
    const stop = typeof until === "string" ? [until] : Array.isArray(until) ? until.map(String) : [];
    if (stop.length > 0) options.stop = stop;
    if (stop.length > 4) {
      noteAt(
        "generation_kwargs.until",
        `${stop.length} stop sequences: OpenAI's API accepts at most 4 (other servers may accept more)`,
        "generation_kwargs",
        "until",
      );
    }
    if (gk.do_sample === false || gk.temperature === 0) options.temperature = 0;
    else if (typeof gk.temperature === "number") options.temperature = gk.temperature;
    if (typeof gk.top_p === "number") options.topP = gk.top_p;
    // lm-eval's default max_gen_toks is 256
    options.maxTokens = typeof gk.max_gen_toks === "number" ? gk.max_gen_toks : 256;
    for (const k of Object.keys(gk)) {
      if (["until", "do_sample", "temperature", "top_p", "max_gen_toks"].includes(k)) continue;
      noteAt(`generation_kwargs.${k}`, "no provider option for it: not sent", "generation_kwargs", k);
    }
  } else options.temperature = 0;
  return {
    id: dimensionName(model).replace(/^[^A-Za-z0-9]+/, "") || "model",
    provider,
    options,
  };
}

/** Where each split's rows come from: `--data SPLIT=FILE`, else the task's local data files. */
class DataSource {
  readonly read: string[] = [];
  private readonly cache = new Map<string, Doc[]>();
  private readonly builder: string | undefined;
  private readonly files: Record<string, string[]> = {};

  constructor(
    private readonly task: TaskYaml,
    private readonly opts: ImportOptions,
    private readonly show: (abs: string) => string,
  ) {
    const c = task.config;
    const path = str(c.dataset_path);
    const kwargs = (c.dataset_kwargs ?? {}) as Record<string, unknown>;
    const local = path !== undefined && LOCAL_BUILDERS.has(path);
    this.builder = local ? path : undefined;
    if (local) {
      const df = kwargs.data_files;
      const asList = (v: unknown): string[] =>
        typeof v === "string" ? [v] : Array.isArray(v) ? v.map(String) : [];
      if (typeof df === "string" || Array.isArray(df)) this.files.train = asList(df);
      else if (df && typeof df === "object") {
        for (const [split, v] of Object.entries(df as Record<string, unknown>)) this.files[split] = asList(v);
      }
    } else if (path !== undefined && this.localFolder(path)) {
      // a dataset folder on disk (load_dataset("path/to/dir")): its files named after the splits
      const dir = this.localFolder(path) as string;
      for (const f of readdirSync(dir)) {
        const m = /^(?:.*[-_])?(train|validation|test|dev)[^.]*\.(jsonl|json|csv)$/i.exec(f);
        if (!m) continue;
        const split = m[1].toLowerCase();
        this.files[split] = [...(this.files[split] ?? []), join(dir, f)];
      }
    }
  }

  private localFolder(path: string): string | undefined {
    for (const base of [this.task.dir, this.opts.cwd]) {
      const abs = resolve(base, path);
      if (existsSync(abs) && statSync(abs).isDirectory()) return abs;
    }
    return undefined;
  }

  available(split: string): boolean {
    return this.opts.data[split] !== undefined || (this.files[split]?.length ?? 0) > 0;
  }

  shown(split: string): string {
    const f = this.opts.data[split] ?? this.files[split]?.[0];
    return f ? this.show(resolve(this.opts.cwd, f)) : this.task.files[0];
  }

  /** The rows of a split. @throws ImportError when none can be had (a Hub dataset without --data). */
  split(split: string, role: string): Doc[] {
    const hit = this.cache.get(split);
    if (hit) return hit;
    const c = this.task.config;
    const kwargs = (c.dataset_kwargs ?? {}) as Record<string, unknown>;
    const field = typeof kwargs.field === "string" ? kwargs.field : undefined;
    let rows: Doc[];
    const supplied = this.opts.data[split];
    if (supplied !== undefined) {
      const abs = resolve(this.opts.cwd, supplied);
      rows = readRows(abs, this.show(abs));
      this.read.push(`${this.show(abs)} (--data ${split})`);
    } else if ((this.files[split]?.length ?? 0) > 0) {
      rows = [];
      for (const f of this.files[split]) {
        const abs =
          [resolve(this.task.dir, f), resolve(this.opts.cwd, f)].find((p) => existsSync(p)) ??
          resolve(this.task.dir, f);
        const format = this.builder === "csv" ? "csv" : this.builder === "json" ? "json" : this.builder;
        rows.push(...readRows(abs, this.show(abs), { format, field }));
        this.read.push(this.show(abs));
      }
    } else {
      const path = str(c.dataset_path) ?? "(none)";
      const at = this.task.where("dataset_path");
      if (this.builder) {
        throw new ImportError(
          `no data file for split "${split}" (${role}) in dataset_kwargs.data_files: add one, or supply it with --data ${split}=FILE`,
          at.file,
          at.line,
        );
      }
      throw new ImportError(
        `dataset ${path}${c.dataset_name ? ` (${String(c.dataset_name)})` : ""} lives on the Hugging Face Hub, which is not reachable here: supply split "${split}" (${role}) as JSON Lines, JSON or CSV with --data ${split}=FILE`,
        at.file,
        at.line,
      );
    }
    this.cache.set(split, rows);
    return rows;
  }
}
