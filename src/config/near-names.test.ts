import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp.ts";
import { gateConfigOf } from "../compare/load.ts";
import { buildDimensions } from "../engine/prepare.ts";
import type { InputError } from "./errors.ts";
import { loadSuite } from "./load.ts";

/** A misspelt name is reported at its line with the name it was probably meant to be. */

const SUITE = (extra: { targets?: string; dimensions?: string; gate?: string; top?: string } = {}) =>
  [
    "suite: s",
    "dataset: cases.jsonl",
    "targets:",
    extra.targets ?? "  - id: a\n    module: t.mjs",
    "dimensions:",
    extra.dimensions ?? "  correct: { evaluator: json-field, with: { field: a } }",
    ...(extra.gate ? ["gate:", extra.gate] : []),
    ...(extra.top ? [extra.top] : []),
    "",
  ].join("\n");

describe('"did you mean" for near names in the suite file', () => {
  const dirs: Array<ReturnType<typeof tempDir>> = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) d.remove();
  });
  async function failure(text: string, stage: "load" | "gate" | "dimensions" = "load"): Promise<InputError> {
    const tmp = tempDir("assay-near-");
    dirs.push(tmp);
    const file = tmp.write("assay.yaml", text);
    try {
      const suite = await loadSuite(file);
      if (stage === "gate") gateConfigOf(suite);
      if (stage === "dimensions") await buildDimensions(suite);
    } catch (err) {
      return err as InputError;
    }
    throw new Error(`accepted:\n${text}`);
  }

  it("an unknown top-level key", async () => {
    const err = await failure(SUITE({ top: "epoch: 3" }));
    expect(err.field).toBe("epoch");
    expect(err.message).toMatch(/assay\.yaml:8:1 epoch: unknown field "epoch" \(did you mean "epochs"\?\)$/);
  });

  it("an unknown key inside a target, and a target kind", async () => {
    const nested = await failure(SUITE({ targets: "  - id: a\n    module: t.mjs\n    exprot: run" }));
    expect(nested.field).toBe("targets[0].exprot");
    expect(nested.message).toContain('unknown field "exprot" (did you mean "export"?)');
    const kind = await failure(SUITE({ targets: "  - id: a\n    htp: { url: http://127.0.0.1:1 }" }));
    expect(kind.message).toContain('unknown field "htp" (did you mean "http"?)');
    const provider = await failure(SUITE({ targets: "  - id: a\n    provider: opnai:gpt-4o-mini" }));
    expect(provider.field).toBe("targets[0].provider");
    expect(provider.message).toContain('(did you mean "openai"?)');
  });

  it("an unknown gate key, at its own line", async () => {
    const err = await failure(SUITE({ gate: "  maxErorRate: 0.01" }), "gate");
    expect(err.field).toBe("gate.maxErorRate");
    expect(err.line).toBe(9);
    expect(err.message).toContain('unknown field "maxErorRate" (did you mean "maxErrorRate"?)');
    const nested = await failure(SUITE({ gate: "  latency: { p95ms: 100 }" }), "gate");
    expect(nested.field).toBe("gate.latency.p95ms");
    expect(nested.message).toContain('(did you mean "p95Ms"?)');
  });

  it("an unknown evaluator kind and an unknown with: option, at their lines", async () => {
    const kind = await failure(SUITE({ dimensions: "  correct:\n    evaluator: json-feild" }), "dimensions");
    expect(kind.field).toBe("dimensions.correct.evaluator");
    expect(kind.line).toBe(8);
    expect(kind.message).toContain('unknown evaluator "json-feild" (did you mean "json-field"?)');
    const option = await failure(
      SUITE({ dimensions: "  correct:\n    evaluator: json-field\n    with:\n      feild: a" }),
      "dimensions",
    );
    expect(option.field).toBe("dimensions.correct.with.feild");
    expect(option.line).toBe(10);
    expect(option.message).toContain('json-field: unknown option "feild" (did you mean "field"?)');
  });
});
