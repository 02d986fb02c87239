import type { ImportNote } from "../types.ts";
import { isRecord, noteAt, type SourceDoc, safeName, uniqueName } from "./source.ts";
import { contentText, isOutputText, references, toRubricText } from "./templates.ts";

/**
 * The hosted Evals API's `testing_criteria` → dimensions:
 * - `string_check` eq / ne / like / ilike → `equals` (exact; `negate` for ne) and `contains`
 *   (`caseInsensitive` for ilike), the reference rendered per item into the case's expected value;
 * - `text_similarity` → levenshtein (fuzzy_match), bleu, rouge-n (rouge_1…5), rouge-l, with
 *   `pass_threshold` as the dimension's threshold; gleu, meteor and cosine are reported;
 * - `score_model` → llm-judge on the grader's `range` (integers up to 10 apart as they are, other
 *   ranges asked as 0–10), `label_model` → a pass/fail llm-judge whose pass is `passing_labels`;
 *   the grader's messages become the rubric, `{{item.x}}` / `{{sample.output_text}}` pointing at
 *   the judge's data blocks;
 * - `python` and `multi` are reported: their code is never run.
 */

export interface Dimension {
  evaluator: string;
  with?: Record<string, unknown>;
  weight?: number;
  threshold?: number;
  description?: string;
}

export interface GraderPlan {
  dimensions: Record<string, Dimension>;
  /** rubric files (path → content) */
  files: Record<string, string>;
  notes: ImportNote[];
  /** per dimension, the reference template to render per item (the case's expected value) */
  references: Record<string, string>;
}

const ROUGE_N: Record<string, number> = { rouge_1: 1, rouge_2: 2, rouge_3: 3, rouge_4: 4, rouge_5: 5 };

export function gradersToDimensions(
  src: SourceDoc,
  base: Array<string | number>,
  criteria: unknown[],
): GraderPlan {
  const plan: GraderPlan = { dimensions: {}, files: {}, notes: [], references: {} };
  const taken = new Set<string>();
  criteria.forEach((raw, i) => {
    const at = [...base, i];
    const note = (feature: string, reason: string, sub: Array<string | number> = []) =>
      plan.notes.push(noteAt(src, [...at, ...sub], feature, reason));
    if (!isRecord(raw)) {
      note(`testing_criteria[${i}]`, "not a grader object: skipped");
      return;
    }
    const type = String(raw.type ?? "");
    const label = typeof raw.name === "string" && raw.name !== "" ? raw.name : `${type || "grader"}-${i + 1}`;
    const what = `testing_criteria[${i}] ${type} "${label}"`;
    const name = () => uniqueName(safeName(label, `criterion-${i + 1}`), taken);
    switch (type) {
      case "string_check": {
        const input = String(raw.input ?? "");
        const reference = String(raw.reference ?? "");
        if (!isOutputText(input)) {
          note(
            what,
            `grades ${JSON.stringify(input)}, not the model's answer ({{sample.output_text}}): not imported`,
            ["input"],
          );
          return;
        }
        if (references(reference).some((r) => !r.startsWith("item"))) {
          note(
            what,
            `the reference ${JSON.stringify(reference)} names something other than the item: not imported`,
            ["reference"],
          );
          return;
        }
        const op = String(raw.operation ?? "");
        const dim = name();
        if (op === "eq" || op === "ne") {
          plan.dimensions[dim] = {
            evaluator: "equals",
            with: { trim: false, ...(op === "ne" ? { negate: true } : {}) },
          };
        } else if (op === "like" || op === "ilike") {
          plan.dimensions[dim] = {
            evaluator: "contains",
            with: op === "ilike" ? { caseInsensitive: true } : {},
          };
        } else {
          taken.delete(dim);
          note(what, `unknown operation ${JSON.stringify(op)} (eq, ne, like, ilike): not imported`, [
            "operation",
          ]);
          return;
        }
        plan.dimensions[dim].description = `${label}: string_check ${op}`;
        plan.references[dim] = reference;
        return;
      }
      case "text_similarity": {
        const input = String(raw.input ?? "");
        const reference = String(raw.reference ?? "");
        const metric = String(raw.evaluation_metric ?? "");
        if (!isOutputText(input)) {
          note(what, `grades ${JSON.stringify(input)}, not the model's answer: not imported`, ["input"]);
          return;
        }
        if (references(reference).some((r) => !r.startsWith("item"))) {
          note(
            what,
            `the reference ${JSON.stringify(reference)} names something other than the item: not imported`,
            ["reference"],
          );
          return;
        }
        let dimension: Dimension;
        if (metric === "fuzzy_match") {
          dimension = { evaluator: "levenshtein", with: {} };
          note(
            `${what}: fuzzy_match`,
            "scored by normalised Levenshtein similarity, close to but not the same number as OpenAI's fuzzy match",
            ["evaluation_metric"],
          );
        } else if (metric === "bleu") dimension = { evaluator: "bleu", with: {} };
        else if (metric in ROUGE_N) dimension = { evaluator: "rouge-n", with: { n: ROUGE_N[metric] } };
        else if (metric === "rouge_l") dimension = { evaluator: "rouge-l", with: {} };
        else {
          note(`${what}: ${metric}`, "no assay evaluator computes this metric: not imported", [
            "evaluation_metric",
          ]);
          return;
        }
        const dim = name();
        dimension.description = `${label}: text_similarity ${metric}`;
        if (typeof raw.pass_threshold === "number") dimension.threshold = clamp01(raw.pass_threshold);
        plan.dimensions[dim] = dimension;
        plan.references[dim] = reference;
        return;
      }
      case "score_model":
      case "label_model": {
        const judged = judgeOf(src, at, raw, type, label, what, plan);
        if (!judged) return;
        const dim = name();
        plan.dimensions[dim] = judged.dimension;
        plan.files[`rubrics/${dim}.md`] = judged.rubric;
        judged.dimension.with = { ...judged.dimension.with, rubric: `rubrics/${dim}.md` };
        return;
      }
      case "python":
        note(
          what,
          "Python grader code is never executed: score it with a custom evaluator (a JS/TS module) instead",
          ["source"],
        );
        return;
      case "multi":
        note(
          what,
          "a formula over several graders (calculate_output) has no assay equivalent: each part can be a dimension of its own",
          ["calculate_output"],
        );
        return;
      default:
        note(what, "unknown grader type: not imported", ["type"]);
    }
  });
  return plan;
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

interface Judged {
  dimension: Dimension;
  rubric: string;
}

function judgeOf(
  src: SourceDoc,
  at: Array<string | number>,
  raw: Record<string, unknown>,
  type: string,
  label: string,
  what: string,
  plan: GraderPlan,
): Judged | undefined {
  const note = (feature: string, reason: string, sub: Array<string | number> = []) =>
    plan.notes.push(noteAt(src, [...at, ...sub], feature, reason));
  const model = typeof raw.model === "string" && raw.model !== "" ? raw.model : undefined;
  if (!model) {
    note(what, "no model: not imported", ["model"]);
    return undefined;
  }
  const messages = Array.isArray(raw.input)
    ? raw.input
    : typeof raw.input === "string"
      ? [{ role: "user", content: raw.input }]
      : [];
  const sections: string[] = [];
  messages.forEach((m: unknown, j: number) => {
    if (!isRecord(m)) return;
    const { text, dropped } = contentText(m.content);
    if (dropped.length > 0)
      note(`${what}: input[${j}] ${dropped.join(", ")}`, "only text reaches the judge", ["input", j]);
    sections.push(`### ${String(m.role ?? "user")}\n\n${toRubricText(text).trim()}`);
  });
  if (sections.length === 0) {
    note(what, "no input messages: not imported", ["input"]);
    return undefined;
  }
  const withOptions: Record<string, unknown> = { model: `openai:${model}` };
  const sp = isRecord(raw.sampling_params) ? raw.sampling_params : {};
  if (typeof sp.temperature === "number") withOptions.temperature = sp.temperature;
  const maxTokens = sp.max_completions_tokens ?? sp.max_completion_tokens ?? sp.max_tokens;
  if (typeof maxTokens === "number") withOptions.maxTokens = maxTokens;
  for (const k of Object.keys(sp)) {
    if (["temperature", "max_completions_tokens", "max_completion_tokens", "max_tokens"].includes(k))
      continue;
    if (sp[k] === null) continue;
    note(`${what}: sampling_params.${k}`, "the judge has no such option: not sent", ["sampling_params", k]);
  }
  const intro =
    `The eval "${label}" graded each answer with a ${type === "score_model" ? "score" : "label"} model given these instructions. ` +
    "In them, [the input's `x`] stands for the field `x` of the data item (the input block) and [the answer under judgment] for the output block.";
  const criterion = `## Criterion\n\n${intro}\n\n${sections.join("\n\n")}`;
  const header = `# ${label}\n\n<!-- Imported by \`assay import openai-evals\` from ${src.shown}${src.line(at) ? `:${src.line(at)}` : ""} (${type}). -->`;

  if (type === "label_model") {
    const labels = Array.isArray(raw.labels) ? raw.labels.map(String) : [];
    const passing = Array.isArray(raw.passing_labels) ? raw.passing_labels.map(String) : [];
    if (passing.length === 0) {
      note(what, "no passing_labels: not imported", ["passing_labels"]);
      return undefined;
    }
    const failing = labels.filter((l) => !passing.includes(l));
    const list = (ls: string[]) => ls.map((l) => JSON.stringify(l)).join(", ");
    const levels =
      `## Levels\n\nThe instructions above ask for one label among ${list(labels)}.\n\n` +
      `- pass — the label the instructions lead to is one of ${list(passing)}.\n` +
      `- fail — the label the instructions lead to is ${failing.length > 0 ? `one of ${list(failing)}` : "none of those"}.`;
    return {
      dimension: {
        evaluator: "llm-judge",
        with: { ...withOptions, scale: "binary" },
        description: `${label}: label_model, passing ${list(passing)}`,
      },
      rubric: `${header}\n\n${criterion}\n\n${levels}\n`,
    };
  }

  // score_model
  const range =
    Array.isArray(raw.range) && raw.range.length === 2 && raw.range.every((x) => typeof x === "number")
      ? (raw.range as [number, number])
      : [0, 1];
  const [lo, hi] = range[0] < range[1] ? range : [0, 1];
  const exact = Number.isInteger(lo) && Number.isInteger(hi) && hi - lo >= 2 && hi - lo <= 10;
  const scale: [number, number] = exact ? [lo, hi] : [0, 10];
  if (!exact) {
    note(
      `${what}: range [${lo}, ${hi}]`,
      "assay's judge scores integers at most 10 apart: asked on 0–10 and mapped back linearly",
      ["range"],
    );
  }
  const dimension: Dimension = {
    evaluator: "llm-judge",
    with: { ...withOptions, scale },
    description: `${label}: score_model on [${lo}, ${hi}]`,
  };
  if (typeof raw.pass_threshold === "number") {
    const share = clamp01((raw.pass_threshold - lo) / (hi - lo));
    dimension.threshold = share;
    (dimension.with as Record<string, unknown>).threshold = scale[0] + share * (scale[1] - scale[0]);
  }
  const lines: string[] = [];
  for (let level = scale[0]; level <= scale[1]; level++) {
    const value = exact ? level : lo + ((level - scale[0]) / (scale[1] - scale[0])) * (hi - lo);
    const shown = exact ? "" : ` (the instructions' ${Number(value.toFixed(4))})`;
    const what =
      level === scale[0]
        ? "the lowest score the instructions above give"
        : level === scale[1]
          ? "the highest score the instructions above give"
          : `${level - scale[0]} step(s) above the lowest, as the instructions above grade`;
    lines.push(`- ${level} — ${what}${shown}.`);
  }
  const levels = `## Levels\n\nThe instructions above score on [${lo}, ${hi}]${exact ? "" : "; here on 0–10, which maps onto it linearly"}.\n\n${lines.join("\n")}`;
  return { dimension, rubric: `${header}\n\n${criterion}\n\n${levels}\n` };
}
