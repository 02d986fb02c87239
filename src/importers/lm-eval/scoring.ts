import type { ImportNote } from "../types.ts";
import { isPyFunction } from "./task-yaml.ts";

/**
 * `metric_list` × `filter_list` → assay dimensions. lm-eval scores each filter pipeline's output
 * with each metric; here each (metric, pipeline) pair is a dimension, built from existing
 * evaluators: `exact_match` is `equals` with its options (`ignore_case` → caseInsensitive,
 * `regexes_to_ignore` and `ignore_punctuation` / `ignore_numbers` → ignore patterns removed from
 * both sides, in lm-eval's order), a `regex` filter is equals' `extract` (lm-eval's group_select
 * is its `select`), `majority_vote` over repeats is the dimension's `reduce: majority`. What has
 * no equivalent is reported, never dropped in silence.
 */

export interface Dimension {
  evaluator: string;
  with?: Record<string, unknown>;
  weight?: number;
  threshold?: number;
  reduce?: "mean" | "majority" | "max" | "all";
  description?: string;
}

type Where = (key: string, ...path: Array<string | number>) => { file: string; line?: number };

/** Python's `string.punctuation`, which lm-eval's ignore_punctuation removes (ASCII only). */
export const ASCII_PUNCTUATION = "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~]";

interface Pipeline {
  name: string;
  /** equals options the pipeline contributes */
  options: Record<string, unknown>;
  reduce?: Dimension["reduce"];
}

function note(
  where: Where,
  feature: string,
  reason: string,
  key: string,
  ...path: Array<string | number>
): ImportNote {
  const at = where(key, ...path);
  return { file: at.file, ...(at.line !== undefined ? { line: at.line } : {}), feature, reason };
}

function pipelines(
  config: Record<string, unknown>,
  where: Where,
  notes: ImportNote[],
  repeats: number,
): Pipeline[] {
  const list = config.filter_list;
  if (!Array.isArray(list) || list.length === 0) return [{ name: "none", options: {} }];
  const out: Pipeline[] = [];
  list.forEach((entry: unknown, p: number) => {
    const e = (entry ?? {}) as Record<string, unknown>;
    const name = typeof e.name === "string" && e.name !== "" ? e.name : `filter-${p}`;
    const options: Record<string, unknown> = {};
    let reduce: Pipeline["reduce"];
    let takeFirst: readonly [string, number, string, number] | undefined;
    const steps = Array.isArray(e.filter) ? e.filter : [];
    steps.forEach((raw: unknown, s: number) => {
      const step = (raw ?? {}) as Record<string, unknown>;
      const fn = step.function;
      const at = ["filter_list", p, "filter", s] as const;
      if (isPyFunction(fn) || fn === "custom") {
        const ref = isPyFunction(fn)
          ? fn.$function
          : isPyFunction(step.filter_fn)
            ? step.filter_fn.$function
            : "custom";
        notes.push(
          note(
            where,
            `filter_list "${name}": function ${ref}`,
            "Python filter code is never executed: the output goes to the metric unfiltered by this step",
            ...at,
          ),
        );
        return;
      }
      switch (fn) {
        case "regex": {
          if (options.extract) {
            notes.push(
              note(
                where,
                `filter_list "${name}": a second regex filter`,
                "only the first regex filter of a pipeline is applied",
                ...at,
              ),
            );
            return;
          }
          const pattern = step.regex_pattern ?? "#### (\\-?[0-9\\.\\,]+)";
          const select = typeof step.group_select === "number" ? step.group_select : 0;
          options.extract = { pattern: String(pattern), select };
          return;
        }
        case "take_first":
          takeFirst = at;
          return;
        case "majority_vote":
          reduce = "majority";
          return;
        case "remove_whitespace":
          options.trim = true;
          return;
        case "lowercase":
        case "uppercase":
          options.caseInsensitive = true;
          notes.push(
            note(
              where,
              `filter_list "${name}": ${fn}`,
              "approximated: the comparison ignores case on both sides (lm-eval changes only the output's case)",
              ...at,
            ),
          );
          return;
        default:
          notes.push(
            note(
              where,
              `filter_list "${name}": ${String(fn)}`,
              "no assay equivalent: this step is not applied",
              ...at,
            ),
          );
      }
    });
    // take_first after majority_vote keeps the vote; alone, with repeats, it keeps the first repeat only
    if (takeFirst && repeats > 1 && reduce === undefined) {
      notes.push(
        note(
          where,
          `filter_list "${name}": take_first with repeats: ${repeats}`,
          "lm-eval scores only the first repeat; assay scores every epoch and averages them (reduce: mean)",
          ...takeFirst,
        ),
      );
    }
    out.push({ name, options, reduce });
  });
  return out;
}

export interface ScoringResult {
  dimensions: Record<string, Dimension>;
  notes: ImportNote[];
}

/** Dimension names allow letters, digits, `_`, `.` and `-`. */
export function dimensionName(s: string): string {
  const n = s.replace(/[^A-Za-z0-9_.-]+/g, "_").replace(/^_+|_+$/g, "");
  return n === "" ? "score" : n;
}

/** The dimensions of a generate_until task (or a multiple_choice one imported as generation). */
export function scoringOf(
  config: Record<string, unknown>,
  where: Where,
  multipleChoice: boolean,
  repeats: number,
): ScoringResult {
  const notes: ImportNote[] = [];
  const dimensions: Record<string, Dimension> = {};
  const metrics = Array.isArray(config.metric_list)
    ? (config.metric_list as unknown[]).map((m) => (m ?? {}) as Record<string, unknown>)
    : undefined;
  if (config.process_results !== undefined) {
    const ref = isPyFunction(config.process_results)
      ? config.process_results.$function
      : String(config.process_results);
    notes.push(
      note(
        where,
        `process_results: ${ref}`,
        "the task scores outputs with Python code, which is never executed: the dimensions compare the output with doc_to_target instead",
        "process_results",
      ),
    );
  }
  if (multipleChoice) {
    dimensions.acc = {
      evaluator: "equals",
      with: { extract: { pattern: "\\b([A-Z]|[0-9]+)\\b" }, trim: true },
      description:
        "multiple choice asked as generation: the letter of the option the model names equals the correct one",
    };
    (metrics ?? [{ metric: "acc" }, { metric: "acc_norm" }]).forEach((m, i) => {
      const name = metricName(m.metric);
      if (name === "acc") return;
      notes.push(
        note(
          where,
          `metric_list: ${name}`,
          name === "acc_norm"
            ? "needs per-choice log-probabilities; the generated option's accuracy is dimension acc"
            : "no equivalent for multiple choice asked as generation",
          metrics ? "metric_list" : "output_type",
          ...(metrics ? [i] : []),
        ),
      );
    });
    return { dimensions, notes };
  }
  const pipes = pipelines(config, where, notes, repeats);
  const list = metrics ?? [{ metric: "exact_match" }];
  list.forEach((m, i) => {
    const name = metricName(m.metric);
    const at: [string, ...Array<string | number>] = metrics ? ["metric_list", i] : ["output_type"];
    let base: Dimension | undefined;
    if (name === "exact_match") {
      const ignore: string[] = [];
      if (Array.isArray(m.regexes_to_ignore)) for (const r of m.regexes_to_ignore) ignore.push(String(r));
      // lm-eval: regexes, then case, then punctuation, then numbers; removing ASCII punctuation
      // and digits commutes with lowercasing, so they can follow the regexes in one list
      if (m.ignore_punctuation === true) ignore.push(ASCII_PUNCTUATION);
      if (m.ignore_numbers === true) ignore.push("[0-9]");
      base = {
        evaluator: "equals",
        with: {
          trim: false,
          ...(m.ignore_case === true ? { caseInsensitive: true } : {}),
          ...(ignore.length > 0 ? { ignore } : {}),
        },
      };
    } else if (name === "bleu") {
      base = { evaluator: "bleu", with: {} };
      notes.push(
        note(
          where,
          "metric_list: bleu",
          "scored per case (sentence BLEU); lm-eval reports corpus BLEU over the split",
          ...at,
        ),
      );
    } else {
      notes.push(
        note(where, `metric_list: ${name}`, "no assay equivalent for this metric: not imported", ...at),
      );
      return;
    }
    pipes.forEach((p, j) => {
      const dimName = dimensionName(pipes.length > 1 || p.name !== "none" ? `${name}.${p.name}` : name);
      const withOptions = structuredClone(base.with ?? {});
      if (base.evaluator === "equals") Object.assign(withOptions, p.options);
      else if (Object.keys(p.options).length > 0) {
        notes.push(
          note(
            where,
            `filter_list "${p.name}" for ${name}`,
            "filters apply only to exact_match here: this metric sees the raw output",
            ...at,
          ),
        );
      }
      const dim: Dimension = { evaluator: base.evaluator, with: withOptions };
      // the first pipeline counts in the aggregate; the others are reported beside it (lm-eval reports each)
      if (j > 0) dim.weight = 0;
      if (p.reduce && repeats > 1) dim.reduce = p.reduce;
      dimensions[dimName] = dim;
    });
  });
  return { dimensions, notes };
}

function metricName(m: unknown): string {
  if (isPyFunction(m)) return m.$function;
  return String(m ?? "");
}
