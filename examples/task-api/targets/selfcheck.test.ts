/**
 * Self-check of the task-api example: the dataset keeps its promises, both targets always emit
 * schema-valid actions, and the two versions differ the way README.md says (v2 better overall,
 * worse on one slice). Scoring mirrors the suite's dimensions in a few lines, with no assay code,
 * so the example stays checkable on its own.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseV1 } from "./regex-baseline.mjs";
import rulesV2 from "./rules-v2.ts";

const here = dirname(fileURLToPath(import.meta.url));
const exampleDir = join(here, "..");

interface TaskCase {
  id: string;
  input: string;
  expected: Record<string, unknown>;
  tags: Record<string, string>;
}

const cases: TaskCase[] = readFileSync(join(exampleDir, "data/cases.jsonl"), "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => JSON.parse(line) as TaskCase);

const schema = JSON.parse(readFileSync(join(exampleDir, "schemas/task.json"), "utf8")) as Record<
  string,
  unknown
>;
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

const CATEGORIES: Record<string, string> = {
  action_recognition: "act",
  entity_extraction: "ent",
  default_handling: "def",
  edge_cases: "edge",
  format_compliance: "fmt",
};
const LEVEL_TARGETS: Record<string, number> = { simple: 0.4, moderate: 0.3, complex: 0.2, adversarial: 0.1 };
const SOURCES = ["curated", "failure", "production"];

/** The suite's dimensions and weights (assay.yaml, DESIGN.md §4.1). */
const WEIGHTS = { action: 0.3, entity: 0.25, format: 0.15 };
const ENTITY_FIELDS = ["title", "priority", "due"];
const FIELDS = ["action", "title", "priority", "due", "filter"];

function canonical(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`)
    .join(",")}}`;
}
const same = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);
const mean = (xs: number[]): number =>
  xs.length === 0 ? Number.NaN : xs.reduce((s, x) => s + x, 0) / xs.length;

interface CaseScore {
  /** exact match of the action */
  action: number;
  /** share of the expected fields (all but `reason`) that match exactly */
  fieldMatch: number;
  /** every expected field matches */
  exact: number;
  /** share of title/priority/due that match, null when the expected action has none of them */
  entity: number | null;
  /** the output validates against schemas/task.json */
  format: number;
  /** weighted mean of the scored dimensions, as the suite aggregates them */
  weighted: number;
  /** per-field exact match, null when the expected action has no such field */
  fields: Record<string, number | null>;
}

function scoreCase(expected: Record<string, unknown>, output: unknown): CaseScore {
  const out = (output ?? {}) as Record<string, unknown>;
  const keys = Object.keys(expected).filter((k) => k !== "reason");
  const hit = (k: string): number => (same(expected[k], out[k]) ? 1 : 0);
  const fieldMatch = mean(keys.map(hit));
  const entityKeys = ENTITY_FIELDS.filter((k) => k in expected);
  const entity = entityKeys.length > 0 ? mean(entityKeys.map(hit)) : null;
  const action = hit("action");
  const format = validate(output) ? 1 : 0;
  const parts: Array<[number, number]> = [
    [WEIGHTS.action, action],
    [WEIGHTS.format, format],
  ];
  if (entity !== null) parts.push([WEIGHTS.entity, entity]);
  const weighted = parts.reduce((s, [w, x]) => s + w * x, 0) / parts.reduce((s, [w]) => s + w, 0);
  const fields: Record<string, number | null> = {};
  for (const f of FIELDS) fields[f] = f in expected ? hit(f) : null;
  return { action, fieldMatch, exact: fieldMatch === 1 ? 1 : 0, entity, format, weighted, fields };
}

interface SliceSummary {
  n: number;
  action: number;
  fieldMatch: number;
  exact: number;
  entity: number;
  format: number;
  weighted: number;
  fields: Record<string, number>;
}

function summarise(scores: CaseScore[]): SliceSummary {
  const fields: Record<string, number> = {};
  for (const f of FIELDS) {
    fields[f] = mean(scores.map((s) => s.fields[f]).filter((x): x is number => x !== null));
  }
  return {
    n: scores.length,
    action: mean(scores.map((s) => s.action)),
    fieldMatch: mean(scores.map((s) => s.fieldMatch)),
    exact: mean(scores.map((s) => s.exact)),
    entity: mean(scores.map((s) => s.entity).filter((x): x is number => x !== null)),
    format: mean(scores.map((s) => s.format)),
    weighted: mean(scores.map((s) => s.weighted)),
    fields,
  };
}

/** "overall" plus every `key=value` slice of the category, level and source tags. */
function bySlice(scores: Map<string, CaseScore>): Map<string, SliceSummary> {
  const groups = new Map<string, CaseScore[]>([["overall", []]]);
  for (const c of cases) {
    const s = scores.get(c.id)!;
    groups.get("overall")!.push(s);
    for (const key of ["category", "level", "source"]) {
      const slice = `${key}=${c.tags[key]}`;
      if (!groups.has(slice)) groups.set(slice, []);
      groups.get(slice)!.push(s);
    }
  }
  return new Map([...groups].map(([k, v]) => [k, summarise(v)]));
}

const outputsV1 = new Map<string, unknown>();
const outputsV2 = new Map<string, unknown>();
let slicesV1: Map<string, SliceSummary>;
let slicesV2: Map<string, SliceSummary>;

beforeAll(async () => {
  for (const c of cases) {
    outputsV1.set(c.id, parseV1(c.input));
    outputsV2.set(c.id, await rulesV2(c.input, { case: { id: c.id, tags: c.tags } }));
  }
  const score = (outputs: Map<string, unknown>) =>
    new Map(cases.map((c) => [c.id, scoreCase(c.expected, outputs.get(c.id))]));
  slicesV1 = bySlice(score(outputsV1));
  slicesV2 = bySlice(score(outputsV2));

  const pct = (x: number) => (Number.isNaN(x) ? "   -" : (100 * x).toFixed(1).padStart(5));
  const lines = [
    "slice                           n   field-match v1/v2   exact v1/v2    action v1/v2   weighted v1/v2   Δfield",
  ];
  for (const [slice, a] of slicesV1) {
    const b = slicesV2.get(slice)!;
    lines.push(
      `${slice.padEnd(30)}${String(a.n).padStart(4)}   ${pct(a.fieldMatch)} ${pct(b.fieldMatch)}     ${pct(a.exact)} ${pct(b.exact)}    ${pct(a.action)} ${pct(b.action)}    ${pct(a.weighted)} ${pct(b.weighted)}    ${pct(b.fieldMatch - a.fieldMatch)}`,
    );
  }
  const o1 = slicesV1.get("overall")!;
  const o2 = slicesV2.get("overall")!;
  lines.push("");
  lines.push("per-field exact match (overall)  v1 / v2");
  for (const f of FIELDS) lines.push(`  ${f.padEnd(10)} ${pct(o1.fields[f])} ${pct(o2.fields[f])}`);
  lines.push(`  entity     ${pct(o1.entity)} ${pct(o2.entity)}`);
  lines.push(`  schema     ${pct(o1.format)} ${pct(o2.format)}`);
  console.log(lines.join("\n"));
});

describe("task-api dataset", () => {
  it("has at least 260 cases with unique, category-prefixed ids", () => {
    expect(cases.length).toBeGreaterThanOrEqual(260);
    const ids = cases.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of cases) {
      expect(c.id, c.id).toMatch(new RegExp(`^${CATEGORIES[c.tags.category]}-\\d{3}$`));
      expect(typeof c.input, c.id).toBe("string");
    }
  });

  it("tags every case with category, level and source", () => {
    for (const c of cases) {
      expect(Object.keys(CATEGORIES), c.id).toContain(c.tags.category);
      expect(Object.keys(LEVEL_TARGETS), c.id).toContain(c.tags.level);
      expect(SOURCES, c.id).toContain(c.tags.source);
    }
  });

  it("keeps the level proportions within 5 points of 40/30/20/10", () => {
    for (const [level, target] of Object.entries(LEVEL_TARGETS)) {
      const share = cases.filter((c) => c.tags.level === level).length / cases.length;
      expect(Math.abs(share - target), level).toBeLessThanOrEqual(0.05);
    }
  });

  it("has a regression set of at least 20 failure cases and some production cases", () => {
    expect(cases.filter((c) => c.tags.source === "failure").length).toBeGreaterThanOrEqual(20);
    expect(cases.filter((c) => c.tags.source === "production").length).toBeGreaterThan(0);
    for (const category of Object.keys(CATEGORIES)) {
      expect(cases.filter((c) => c.tags.category === category).length, category).toBeGreaterThanOrEqual(20);
    }
  });

  it("writes every expected action in full and valid against the schema", () => {
    const full: Record<string, string[]> = {
      create: ["action", "title", "priority", "due"],
      complete: ["action", "title"],
      delete: ["action", "title"],
      list: ["action", "filter"],
      clarify: ["action", "reason"],
    };
    for (const c of cases) {
      expect(validate(c.expected), `${c.id}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(Object.keys(c.expected).sort(), c.id).toEqual([...full[c.expected.action as string]].sort());
      if (c.expected.action === "list") {
        expect(Object.keys(c.expected.filter as object).sort(), c.id).toEqual(["due", "priority", "status"]);
      }
    }
  });

  it("takes every expected title from the request (a span, whitespace collapsed)", () => {
    for (const c of cases) {
      if (typeof c.expected.title !== "string") continue;
      expect(c.input.replace(/\s+/g, " "), c.id).toContain(c.expected.title);
    }
  });
});

describe("task-api targets", () => {
  it("always return a schema-valid action (both targets, every case)", () => {
    for (const [name, outputs] of [
      ["regex-baseline", outputsV1],
      ["rules-v2", outputsV2],
    ] as const) {
      for (const c of cases) {
        const out = outputs.get(c.id);
        expect(out, `${name} ${c.id}`).toBeDefined();
        expect(validate(out), `${name} ${c.id}: ${JSON.stringify(validate.errors)}`).toBe(true);
      }
    }
  });

  it("runs the baseline as an exec target: one case on stdin, the action on stdout", () => {
    const script = join(here, "regex-baseline.mjs");
    for (const id of ["ent-001", "edge-001", "fmt-036"]) {
      const c = cases.find((x) => x.id === id)!;
      const stdout = execFileSync(process.execPath, [script], { input: JSON.stringify(c), encoding: "utf8" });
      expect(JSON.parse(stdout), id).toEqual(outputsV1.get(id));
    }
  });

  it("v2 beats the baseline overall by at least 5 points of field match", () => {
    const v1 = slicesV1.get("overall")!;
    const v2 = slicesV2.get("overall")!;
    expect(v2.fieldMatch - v1.fieldMatch).toBeGreaterThanOrEqual(0.05);
    expect(v2.weighted).toBeGreaterThan(v1.weighted);
  });

  it("v2 regresses by at least 10 points on some category or level slice of 20+ cases", () => {
    const regressions = [...slicesV1]
      .filter(([slice, a]) => /^(category|level)=/.test(slice) && a.n >= 20)
      .map(([slice, a]) => ({ slice, n: a.n, drop: a.fieldMatch - slicesV2.get(slice)!.fieldMatch }))
      .filter((r) => r.drop >= 0.1);
    expect(regressions.map((r) => r.slice)).toContain("category=format_compliance");
  });
});
