import { existsSync, readdirSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { parseProvider } from "../../llm/client.ts";
import type { ImportedSuite, ImportNote, ImportOptions } from "../types.ts";
import { ImportError } from "../types.ts";
import { gradersToDimensions } from "./graders.ts";
import {
  isRecord,
  noteAt,
  readJsonl,
  readSourceDoc,
  type SourceDoc,
  safeName,
  uniqueName,
} from "./source.ts";
import { contentText, renderItem, toLiquid } from "./templates.ts";

/**
 * A hosted Evals API eval, as exported (the eval object of `GET /v1/evals/{id}` or the body of
 * `POST /v1/evals`, alone or as `{eval, runs}`), with its runs (`data_source` of type completions
 * or responses: the model, the `input_messages` template and `sampling_params` → a provider target
 * each) and its items (a run's `file_content`, `--data items=FILE` or `--data FILE_ID=FILE`, or a
 * JSONL file beside the eval). Items that carry a `sample` (a `jsonl` run over recorded answers)
 * also give a replay target, so the graders can score the answers already made.
 */

export const PLACEHOLDER_MODEL = "openai:your-model";

interface Run {
  src: SourceDoc;
  path: Array<string | number>;
  value: Record<string, unknown>;
}

interface Item {
  item: Record<string, unknown>;
  sample?: Record<string, unknown>;
}

/** Whether a parsed file holds a hosted eval (directly or under `eval`). */
export function findEval(
  value: unknown,
): { eval: Record<string, unknown>; path: Array<string | number>; others: number } | undefined {
  const isEval = (v: unknown): v is Record<string, unknown> =>
    isRecord(v) && Array.isArray(v.testing_criteria);
  if (isEval(value)) return { eval: value, path: [], others: 0 };
  if (isRecord(value) && isEval(value.eval)) return { eval: value.eval, path: ["eval"], others: 0 };
  // a list: `GET /v1/evals` ({object: "list", data: […]}) or a bare array
  const list = Array.isArray(value) ? value : isRecord(value) && Array.isArray(value.data) ? value.data : [];
  const i = list.findIndex(isEval);
  if (i < 0) return undefined;
  const others = list.filter(isEval).length - 1;
  return { eval: list[i] as Record<string, unknown>, path: Array.isArray(value) ? [i] : ["data", i], others };
}

export function importHosted(
  src: SourceDoc,
  opts: ImportOptions,
  show: (abs: string) => string,
  siblings: SourceDoc[],
): ImportedSuite {
  const found = findEval(src.value);
  if (!found) throw new ImportError("no testing_criteria: not an OpenAI eval", src.shown);
  const ev = found.eval;
  const notes: ImportNote[] = [];
  if (found.others > 0) {
    notes.push(
      noteAt(
        src,
        found.path,
        `${found.others} more eval(s) in this list`,
        "one suite per eval: only the first was imported; save each eval to a file of its own",
      ),
    );
  }
  const sources = [src.shown];
  const note = (s: SourceDoc, path: Array<string | number>, feature: string, reason: string) =>
    notes.push(noteAt(s, path, feature, reason));

  // runs: beside the eval in the same file, or in other files of the folder
  const runs: Run[] = [];
  const top = isRecord(src.value) ? src.value : {};
  if (Array.isArray(top.runs)) {
    top.runs.forEach((r, i) => {
      if (isRecord(r)) runs.push({ src, path: ["runs", i], value: r });
    });
  }
  if (isRecord(top.run)) runs.push({ src, path: ["run"], value: top.run });
  if (isRecord(top.data_source) && found.path.length === 0) runs.push({ src, path: [], value: top });
  for (const s of siblings) {
    const v = s.value;
    if (isRecord(v) && isRecord(v.data_source)) runs.push({ src: s, path: [], value: v });
    else if (isRecord(v) && Array.isArray(v.data)) {
      v.data.forEach((r, i) => {
        if (isRecord(r) && isRecord(r.data_source)) runs.push({ src: s, path: ["data", i], value: r });
      });
    } else continue;
    sources.push(s.shown);
  }

  // data_source_config
  const dsc = isRecord(ev.data_source_config) ? ev.data_source_config : {};
  const dscType = String(dsc.type ?? "custom");
  if (dscType === "logs" || dscType === "stored_completions") {
    note(
      src,
      [...found.path, "data_source_config"],
      `data_source_config: ${dscType}`,
      'the eval grades stored chat completions, which live on OpenAI\'s servers: export them as JSONL lines {"item": …, "sample": {"output_text": …}} and supply them with --data items=FILE',
    );
  }

  // items
  const items: Item[] = [];
  const fromContent = (content: unknown[]) => {
    for (const row of content) {
      if (!isRecord(row)) continue;
      items.push(
        isRecord(row.item)
          ? { item: row.item, ...(isRecord(row.sample) ? { sample: row.sample } : {}) }
          : { item: row },
      );
    }
  };
  const fromFile = (file: string, label: string) => {
    const abs = resolve(opts.cwd, file);
    const shown = show(abs);
    if (extname(abs).toLowerCase() === ".json") {
      const doc = readSourceDoc(abs, shown);
      const v = doc.value;
      fromContent(Array.isArray(v) ? v : isRecord(v) && Array.isArray(v.content) ? v.content : []);
    } else {
      fromContent(readJsonl(abs, shown).map((l) => l.value));
    }
    sources.push(`${shown}${label}`);
  };
  const supplied = opts.data.items ?? opts.data.item;
  if (supplied) fromFile(supplied, " (--data items)");
  for (const run of runs) {
    const ds = isRecord(run.value.data_source) ? run.value.data_source : {};
    const source = isRecord(ds.source) ? ds.source : {};
    if (items.length > 0 && !supplied) break;
    if (source.type === "file_content" && Array.isArray(source.content)) {
      if (!supplied) fromContent(source.content);
    } else if (source.type === "file_id" && typeof source.id === "string") {
      const file = opts.data[source.id];
      if (file) fromFile(file, ` (--data ${source.id})`);
      else if (!supplied) {
        note(
          run.src,
          [...run.path, "data_source", "source", "id"],
          `data_source.source: file_id ${source.id}`,
          `the items are a file on OpenAI's servers: supply it with --data ${source.id}=FILE (or --data items=FILE)`,
        );
      }
    } else if (source.type === "stored_completions" || source.type === "responses") {
      note(
        run.src,
        [...run.path, "data_source", "source"],
        `data_source.source: ${String(source.type)}`,
        "stored completions or responses live on OpenAI's servers: supply them with --data items=FILE",
      );
    }
  }
  if (items.length === 0 && Array.isArray(top.items)) fromContent(top.items);
  if (items.length === 0) {
    // a JSONL file beside the eval: <name>.jsonl, <name>.items.jsonl, items.jsonl, or the folder's only one
    const dir = dirname(src.abs);
    const stem = basename(src.abs, extname(src.abs));
    const jsonl = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".jsonl")) : [];
    const pick =
      [`${stem}.jsonl`, `${stem}.items.jsonl`, "items.jsonl"].find((f) => jsonl.includes(f)) ??
      (jsonl.length === 1 ? jsonl[0] : undefined);
    if (pick) fromFile(join(dir, pick), "");
  }
  if (items.length === 0) {
    throw new ImportError(
      'no data items: the eval\'s runs hold none inline; supply them as JSONL ({"item": {…}} per line) with --data items=FILE',
      src.shown,
    );
  }

  // graders
  const plan = gradersToDimensions(
    src,
    [...found.path, "testing_criteria"],
    ev.testing_criteria as unknown[],
  );
  notes.push(...plan.notes);
  if (Object.keys(plan.dimensions).length === 0) {
    throw new ImportError(
      "none of the testing_criteria can be scored here (see the graders assay supports)",
      src.shown,
      src.line([...found.path, "testing_criteria"]),
    );
  }
  // one reference template for every grader that has one: the expected value is that text;
  // several: an object of them, each dimension picking its own with `field`
  const refDims = Object.keys(plan.references);
  const distinct = new Set(Object.values(plan.references));
  const keyed = distinct.size > 1;
  if (keyed) for (const d of refDims) plan.dimensions[d].with = { ...plan.dimensions[d].with, field: d };

  // cases
  const idField =
    items.every((it) => typeof it.item.id === "string" || typeof it.item.id === "number") &&
    new Set(items.map((it) => String(it.item.id))).size === items.length;
  const caseId = (it: Item, i: number) => (idField ? String(it.item.id) : `item-${i + 1}`);
  const lines: string[] = [];
  items.forEach((it, i) => {
    let expected: unknown;
    if (refDims.length > 0) {
      if (keyed) {
        const obj: Record<string, string> = {};
        for (const d of refDims) obj[d] = renderItem(plan.references[d], it.item) ?? "";
        expected = obj;
      } else expected = renderItem(plan.references[refDims[0]], it.item);
    }
    lines.push(
      JSON.stringify({ id: caseId(it, i), input: it.item, ...(expected !== undefined ? { expected } : {}) }),
    );
  });
  const files: Record<string, string> = { ...plan.files, "datasets/items.jsonl": `${lines.join("\n")}\n` };

  // targets
  const targets: Array<Record<string, unknown>> = [];
  const ids = new Set<string>();
  if (opts.model) {
    try {
      parseProvider(opts.model);
    } catch (err) {
      throw new ImportError(`--model: ${(err as Error).message}`);
    }
  }
  for (const run of runs) {
    const t = runTarget(run, opts.model, ids, note);
    if (t) targets.push(t);
  }
  const recorded = items.filter((it) => it.sample && typeof it.sample.output_text === "string");
  if (recorded.length > 0) {
    const replay = items
      .map((it, i) =>
        it.sample && typeof it.sample.output_text === "string"
          ? JSON.stringify({ id: caseId(it, i), output: it.sample.output_text })
          : undefined,
      )
      .filter((l): l is string => l !== undefined);
    files["datasets/recorded-samples.jsonl"] = `${replay.join("\n")}\n`;
    targets.push({
      id: uniqueName("recorded", ids),
      description: "the answers recorded with the items (sample.output_text)",
      replay: "datasets/recorded-samples.jsonl",
    });
  }
  if (targets.length === 0) {
    const provider = opts.model ?? PLACEHOLDER_MODEL;
    targets.push({
      id: uniqueName(safeName(provider.slice(provider.indexOf(":") + 1), "model"), ids),
      provider,
    });
    note(
      src,
      found.path,
      "runs",
      `no eval run names the model and prompt: the target ${provider} sends each item as JSON${opts.model ? "" : " (a placeholder: import again with --model provider:name, or edit targets[0].provider)"}; add the run's input_messages as targets[0].messages`,
    );
  }

  const name = typeof ev.name === "string" && ev.name !== "" ? ev.name : basename(src.abs, extname(src.abs));
  const suite: Record<string, unknown> = {
    suite: safeName(name, "openai-eval"),
    description: `OpenAI eval ${JSON.stringify(name)}${typeof ev.id === "string" ? ` (${ev.id})` : ""}`,
    dataset: "datasets/items.jsonl",
    targets,
    dimensions: plan.dimensions,
  };
  return {
    suite: suite as unknown as ImportedSuite["suite"],
    files,
    notes,
    sources: [...new Set(sources)],
    counts: { cases: items.length, targets: targets.length, dimensions: Object.keys(plan.dimensions).length },
  };
}

type Note = (s: SourceDoc, path: Array<string | number>, feature: string, reason: string) => void;

/** A run's data_source (completions or responses) as a provider target, or undefined (with a note). */
function runTarget(
  run: Run,
  model: string | undefined,
  ids: Set<string>,
  note: Note,
): Record<string, unknown> | undefined {
  const ds = isRecord(run.value.data_source) ? run.value.data_source : {};
  const at = [...run.path, "data_source"];
  const type = String(ds.type ?? "");
  if (type === "jsonl") return undefined; // items with samples: the replay target
  if (type !== "completions" && type !== "responses") {
    note(run.src, [...at, "type"], `data_source.type: ${type}`, "unknown data source: no target");
    return undefined;
  }
  const runModel =
    typeof ds.model === "string"
      ? ds.model
      : typeof run.value.model === "string"
        ? run.value.model
        : undefined;
  const provider = model ?? (runModel ? `openai:${runModel}` : PLACEHOLDER_MODEL);
  const label =
    typeof run.value.name === "string" && run.value.name !== "" ? run.value.name : (runModel ?? "model");
  const target: Record<string, unknown> = { id: uniqueName(safeName(label, "model"), ids), provider };
  if (!model && !runModel)
    note(
      run.src,
      at,
      "data_source.model",
      `no model: the target uses the placeholder ${PLACEHOLDER_MODEL}; import again with --model provider:name`,
    );
  const im = isRecord(ds.input_messages) ? ds.input_messages : undefined;
  if (im?.type === "template" && Array.isArray(im.template)) {
    const messages: Array<{ role: string; content: string }> = [];
    im.template.forEach((m: unknown, j: number) => {
      if (!isRecord(m)) return;
      const role = m.role === "developer" ? "system" : String(m.role ?? "user");
      const { text, dropped } = contentText(m.content);
      if (dropped.length > 0)
        note(
          run.src,
          [...at, "input_messages", "template", j],
          `input_messages.template[${j}]: ${dropped.join(", ")}`,
          "only text parts are sent",
        );
      const liquid = toLiquid(text);
      if (!liquid.ok) {
        note(
          run.src,
          [...at, "input_messages", "template", j],
          `input_messages.template[${j}]: ${liquid.ref}`,
          "a prompt can only use the item's fields: this message is left out",
        );
        return;
      }
      if (!["system", "user", "assistant"].includes(role)) {
        note(
          run.src,
          [...at, "input_messages", "template", j, "role"],
          `input_messages.template[${j}].role: ${role}`,
          "not a chat role assay sends: left out",
        );
        return;
      }
      messages.push({ role, content: liquid.liquid });
    });
    if (messages.length > 0) target.messages = messages;
  } else if (im?.type === "item_reference") {
    note(
      run.src,
      [...at, "input_messages"],
      `input_messages: item_reference ${String(im.item_reference)}`,
      "the messages come from the item: give the items a `messages` field (assay sends a case input's messages as the conversation)",
    );
  }
  const sp = isRecord(ds.sampling_params) ? ds.sampling_params : {};
  const options: Record<string, unknown> = {};
  if (typeof sp.temperature === "number") options.temperature = sp.temperature;
  if (typeof sp.top_p === "number") options.topP = sp.top_p;
  if (typeof sp.seed === "number") options.seed = sp.seed;
  const maxTokens =
    sp.max_completion_tokens ?? sp.max_completions_tokens ?? sp.max_output_tokens ?? sp.max_tokens;
  if (typeof maxTokens === "number") options.maxTokens = maxTokens;
  const rf = isRecord(sp.response_format)
    ? sp.response_format
    : isRecord(sp.text) && isRecord(sp.text.format)
      ? sp.text.format
      : undefined;
  if (rf) {
    if (rf.type === "json_schema") {
      const js = isRecord(rf.json_schema) ? rf.json_schema : rf;
      options.responseFormat = {
        type: "json_schema",
        name: String(js.name ?? "response"),
        schema: isRecord(js.schema) ? js.schema : {},
        ...(typeof js.strict === "boolean" ? { strict: js.strict } : {}),
      };
    } else if (rf.type === "json_object" || rf.type === "text") options.responseFormat = { type: rf.type };
  }
  for (const k of Object.keys(sp)) {
    if (
      [
        "temperature",
        "top_p",
        "seed",
        "max_completion_tokens",
        "max_completions_tokens",
        "max_output_tokens",
        "max_tokens",
        "response_format",
        "text",
      ].includes(k)
    )
      continue;
    if (sp[k] === null || sp[k] === undefined) continue;
    note(
      run.src,
      [...at, "sampling_params", k],
      `sampling_params.${k}`,
      k === "tools"
        ? "tools need implementations: add a toolsModule to the target"
        : "no provider option for it: not sent",
    );
  }
  if (Object.keys(options).length > 0) target.options = options;
  return target;
}
