// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is the env-placeholder syntax under test
import { describe, expect, it } from "vitest";
import {
  createTarget,
  parseJsonPath,
  redactUrl,
  redactValue,
  selectJsonPath,
  TargetConfigError,
  type TargetResponse,
} from "../../src/targets/index.ts";
import { ctxFor, FIXTURES, makeCase } from "./support/helpers.ts";

describe("createTarget", () => {
  it("builds each kind from its suite-file spec", async () => {
    const exec = createTarget({ id: "e", exec: ["node", "echo.mjs"] }, { baseDir: FIXTURES });
    expect([exec.kind, exec.id]).toEqual(["exec", "e"]);
    expect(JSON.parse((await exec.call(ctxFor(makeCase()))).output as string).received.id).toBe("act-017");

    const mod = createTarget({ id: "m", module: "full.mjs", export: "plainObject" }, { baseDir: FIXTURES });
    expect((await mod.call(ctxFor(makeCase()))).output).toEqual({ output: "x", extra: true });

    const http = createTarget(
      { id: "h", http: { url: "http://127.0.0.1:9/x", body: { text: "{{ input }}" }, output: "$.result" } },
      { baseDir: FIXTURES },
    );
    expect(http.describe()).toEqual({
      url: "http://127.0.0.1:9/x",
      method: "POST",
      body: { text: "{{ input }}" },
      output: "$.result",
    });

    const loadRun = async () => new Map<string, TargetResponse>([["act-017", { output: "stored" }]]);
    const replay = createTarget({ id: "r", replay: { run: "run-7" } }, { baseDir: FIXTURES, loadRun });
    expect((await replay.call(ctxFor(makeCase()))).output).toBe("stored");
    expect(replay.describe()).toEqual({ replay: { run: "run-7" } });
  });

  it("rejects bad providers, missing kinds and misplaced options, naming the target", () => {
    const fails = (spec: Parameters<typeof createTarget>[0], message: RegExp, field?: string) => {
      try {
        createTarget(spec, { baseDir: FIXTURES });
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(TargetConfigError);
        expect((err as Error).message).toMatch(message);
        expect((err as TargetConfigError).field).toBe(field);
        expect((err as TargetConfigError).targetId).toBe(spec.id);
      }
    };
    fails(
      { id: "mini", provider: "gpt-4o-mini" },
      /llm target "mini": provider must be openai:<model> or anthropic:<model>/,
      "provider",
    );
    fails({ id: "none" }, /needs one of exec, module, http, replay or provider/);
    fails({ id: "two", exec: ["a"], module: "b.ts" }, /more than one kind \(exec, module\)/);
    fails({ id: "r", replay: { run: "x" } }, /needs the store/, "replay.run");
    fails({ id: "e", module: "m.ts", env: { A: "1" } }, /env applies only to exec/, "env");
    fails({ id: "h", http: { url: "http://h/", output: "$.[" } }, /invalid output selector/, "http.output");
  });
});

describe("JSONPath subset", () => {
  const doc = {
    result: { action: "complete", "odd key": [10, 20, { deep: true }] },
    choices: [{ message: { content: "hi" } }],
    0: "zero",
    nil: null,
  };
  it.each([
    ["$", doc],
    ["$.result.action", "complete"],
    ["$['result']['odd key'][1]", 20],
    ['$["result"]["odd key"][2].deep', true],
    ["$.result['odd key'][-1].deep", true],
    ["$.choices[0].message.content", "hi"],
    ["$[0]", "zero"],
    ["$.nil", null],
    ["$.missing", undefined],
    ["$.result.action.length", undefined],
    ["$.choices[5]", undefined],
    ["$.constructor", undefined],
    ["$.result.__proto__", undefined],
  ])("%s", (path, expected) => {
    expect(selectJsonPath(doc, parseJsonPath(path))).toEqual(expected);
  });

  it("rejects what it does not understand", () => {
    for (const bad of ["result", "$.", "$[", "$[*]", "$..a", "$.a b", "$['a]"]) {
      expect(() => parseJsonPath(bad), bad).toThrow(/invalid output selector/);
    }
  });
});

describe("redaction", () => {
  it("redacts literal secrets under secret-looking names, keeps placeholders", () => {
    expect(redactValue("Authorization", "Bearer ${TOKEN}")).toBe("Bearer ${TOKEN}");
    expect(redactValue("Authorization", "Bearer abc123")).toBe("[redacted]");
    expect(redactValue("x-api-key", "k")).toBe("[redacted]");
    expect(redactValue("Cookie", "session=1")).toBe("[redacted]");
    expect(redactValue("X-Auth-Token", "${T}")).toBe("${T}");
    expect(redactValue("Content-Type", "application/json")).toBe("application/json");
    expect(redactUrl("https://user:pw@h.example/p?key=abc&q=1#f")).toBe(
      "https://user:[redacted]@h.example/p?key=[redacted]&q=1#f",
    );
    expect(redactUrl("https://h.example/p?token=${TOKEN}&model=m")).toBe(
      "https://h.example/p?token=${TOKEN}&model=m",
    );
    expect(redactUrl("http://127.0.0.1:8080/parse")).toBe("http://127.0.0.1:8080/parse");
  });
});
