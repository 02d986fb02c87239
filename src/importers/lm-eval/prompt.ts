import { type Doc, type DocField, docToChoice, docToTarget, docToText, TemplateError } from "./jinja.ts";
import { PythonRandom } from "./python-random.ts";

/**
 * The prompt of each document, built as lm-eval 0.4 builds it for a plain-text model:
 * `description + few-shot examples + doc_to_text(doc)`, each example being
 * `doc_to_text + target_delimiter + target + fewshot_delimiter`. Few-shot examples come from the
 * `first_n` sampler (the first n documents) or the default one (Python's `random.Random(seed)`
 * `.sample`, drawn document after document in order, one extra when the few-shot split is the
 * test split, the document itself left out), so the prompts are lm-eval's own.
 *
 * A `multiple_choice` task has no generation to compare: it becomes one, with the choices listed
 * under the question as lettered options and the letter as the expected answer.
 */

export interface PromptFields {
  docToText: DocField;
  docToTarget?: DocField;
  docToChoice?: DocField;
}

export interface PromptPlan {
  fields: PromptFields;
  /** fewshot_config's doc_to_* overrides, for the examples */
  fewshotFields: PromptFields;
  /** a Jinja template rendered per document, before everything else */
  description?: string;
  targetDelimiter: string;
  fewshotDelimiter: string;
  numFewshot: number;
  sampler: "default" | "first_n";
  seed: number;
  /** `fewshot_split == test_split` in the task config (None == None counts): one extra sample is drawn */
  drawExtra: boolean;
  multipleChoice: boolean;
}

export interface BuiltCase {
  /** index of the document in the evaluation split (lm-eval's doc_id) */
  index: number;
  prompt: string;
  /** the reference answer: the target text, or the letter of the correct option (multiple choice) */
  expected?: string;
  /** the choices, for multiple choice */
  choices?: string[];
}

export interface BuildResult {
  cases: BuiltCase[];
  /** documents left out, with why (grouped by the caller) */
  skipped: Array<{ index: number; reason: string }>;
  /** a target was a list of several answers: the first was kept */
  listTargets: number;
}

export function columnsOf(rows: readonly Doc[]): Set<string> {
  const set = new Set<string>();
  for (const r of rows.slice(0, 100)) for (const k of Object.keys(r)) set.add(k);
  return set;
}

/** The letter (or number, past 26) naming option `i`. */
export function optionLabel(i: number, count: number): string {
  return count <= 26 ? String.fromCharCode(65 + i) : String(i + 1);
}

interface Rendered {
  text: string;
  target?: string;
  choices?: string[];
  goldIndex?: number;
  listTarget: boolean;
}

function render(fields: PromptFields, doc: Doc, columns: ReadonlySet<string>): Rendered {
  const hasChoices = fields.docToChoice !== undefined;
  const choices = hasChoices ? docToChoice(fields.docToChoice as DocField, doc, columns) : undefined;
  const text = docToText(fields.docToText, doc, columns, hasChoices);
  if (typeof text !== "string") {
    throw new TemplateError("doc_to_text gave an index (a multiple-input task): not supported");
  }
  if (fields.docToTarget === undefined) return { text, choices, listTarget: false };
  const raw = docToTarget(fields.docToTarget, doc, columns, hasChoices);
  let listTarget = false;
  let value: unknown = raw;
  if (Array.isArray(raw)) {
    listTarget = raw.length > 1;
    value = raw[0];
  }
  if (typeof value === "number" && choices) {
    if (!Number.isInteger(value) || value < 0 || value >= choices.length) {
      throw new TemplateError(`target index ${value} is outside the ${choices.length} choices`);
    }
    return { text, target: choices[value], choices, goldIndex: value, listTarget };
  }
  const target = value === undefined || value === null ? undefined : String(value);
  const goldIndex = choices && target !== undefined ? choices.indexOf(target) : undefined;
  return {
    text,
    target,
    choices,
    goldIndex: goldIndex !== undefined && goldIndex >= 0 ? goldIndex : undefined,
    listTarget,
  };
}

function options(choices: string[]): string {
  return choices.map((c, i) => `${optionLabel(i, choices.length)}. ${c}`).join("\n");
}

/** An example as lm-eval writes it (generation), or with its lettered options and answer (multiple choice). */
function example(plan: PromptPlan, r: Rendered): string {
  if (plan.multipleChoice && r.choices && r.goldIndex !== undefined) {
    return `${r.text}\n${options(r.choices)}\nAnswer: ${optionLabel(r.goldIndex, r.choices.length)}${plan.fewshotDelimiter}`;
  }
  if (r.target === undefined || r.target === "") return r.text;
  return `${r.text}${plan.targetDelimiter}${r.target}${plan.fewshotDelimiter}`;
}

function question(plan: PromptPlan, r: Rendered): string {
  if (!plan.multipleChoice || !r.choices) return r.text;
  const n = r.choices.length;
  const range = n <= 26 ? `${optionLabel(0, n)}-${optionLabel(n - 1, n)}` : `1-${n}`;
  return `${r.text}\n${options(r.choices)}\nAnswer with the ${n <= 26 ? "letter" : "number"} of the correct option (${range}) only.`;
}

function sameDoc(a: Doc, b: Doc): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Every document's prompt and reference, in order. Pure: the rows are given. */
export function buildCases(
  plan: PromptPlan,
  evalDocs: readonly Doc[],
  fewshotDocs: readonly Doc[],
): BuildResult {
  const columns = columnsOf(evalDocs);
  const fewColumns = columnsOf(fewshotDocs);
  const fewFields: PromptFields = {
    docToText: plan.fewshotFields.docToText ?? plan.fields.docToText,
    docToTarget: plan.fewshotFields.docToTarget ?? plan.fields.docToTarget,
    docToChoice: plan.fewshotFields.docToChoice ?? plan.fields.docToChoice,
  };
  const rnd = new PythonRandom(plan.seed);
  const cases: BuiltCase[] = [];
  const skipped: BuildResult["skipped"] = [];
  let listTargets = 0;
  evalDocs.forEach((doc, index) => {
    try {
      let prefix = plan.description ? renderDescription(plan.description, doc) : "";
      if (plan.numFewshot > 0 && fewshotDocs.length > 0) {
        const n = Math.min(plan.numFewshot + (plan.drawExtra ? 1 : 0), fewshotDocs.length);
        const drawn = plan.sampler === "first_n" ? fewshotDocs.slice(0, n) : rnd.sample(fewshotDocs, n);
        const chosen = drawn.filter((d) => !sameDoc(d, doc)).slice(0, plan.numFewshot);
        for (const ex of chosen) prefix += example(plan, render(fewFields, ex, fewColumns));
      }
      const r = render(plan.fields, doc, columns);
      if (r.listTarget) listTargets++;
      const built: BuiltCase = { index, prompt: prefix + question(plan, r) };
      if (plan.multipleChoice) {
        if (!r.choices || r.goldIndex === undefined)
          throw new TemplateError("no correct choice among the choices");
        built.choices = r.choices;
        built.expected = optionLabel(r.goldIndex, r.choices.length);
      } else if (r.target !== undefined) built.expected = r.target;
      cases.push(built);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      skipped.push({ index, reason: err.message });
    }
  });
  return { cases, skipped, listTargets };
}

function renderDescription(template: string, doc: Doc): string {
  return docToText(template, doc, new Set(), false) as string;
}
