import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ProbeReport } from "../../src/probe/types.ts";
import { runCliInProcess } from "../support/cli.ts";
import { reply, startLlmServer } from "../support/llm-servers.ts";
import { jsonl, tempDir } from "../support/temp.ts";

/**
 * `assay probe` against provider targets that never fail: the rate-limit headers of their
 * successful (200) answers, plain and streamed, reach the report's `headers`; a cookie and the
 * request ids the servers also send never do.
 */
describe.each([
  ["openai", false],
  ["openai", true],
  ["anthropic", false],
  ["anthropic", true],
] as const)("assay probe against %s (stream %s) answering 200", (flavor, stream) => {
  const header =
    flavor === "openai" ? "x-ratelimit-remaining-requests" : "anthropic-ratelimit-requests-remaining";
  const reset = flavor === "openai" ? "x-ratelimit-reset-requests" : "anthropic-ratelimit-requests-reset";

  it("reports the rate-limit headers of successful answers, and no other header", async () => {
    let remaining = 100;
    const server = await startLlmServer(flavor, () =>
      reply.text(
        "ok",
        {},
        {
          headers: {
            [header]: String(--remaining),
            [reset]: "2030-01-01T00:00:00Z",
            "set-cookie": "session=cookie-not-reported",
            "x-trace-id": "trace-not-reported",
          },
        },
      ),
    );
    const tmp = tempDir("assay-probe-ok-");
    try {
      tmp.write("cases.jsonl", jsonl([{ id: "a", input: "hello" }]));
      tmp.write(
        "assay.yaml",
        [
          "suite: probe-ok",
          "dataset: cases.jsonl",
          "targets:",
          "  - id: model",
          `    provider: ${flavor}:probe-model`,
          `    baseUrl: "${server.baseUrl}"`,
          `    stream: ${stream}`,
          "dimensions:",
          "  exact: { evaluator: equals }",
        ].join("\n"),
      );
      const res = await runCliInProcess(
        [
          "probe",
          "model",
          "--suite",
          tmp.dir,
          "--steps",
          "1,2",
          "--duration",
          "30s",
          "--max-requests",
          "6",
          "--json",
          tmp.path("p.json"),
          "-q",
        ],
        { env: { OPENAI_API_KEY: "sk-probe-ok-key", ANTHROPIC_API_KEY: "sk-probe-ok-key" } },
      );
      expect(res.code, res.stderr).toBe(0);
      const out = JSON.parse(readFileSync(tmp.path("p.json"), "utf8")) as ProbeReport;
      expect(out.requests).toBe(6);
      expect(server.calls).toHaveLength(6);
      for (const s of out.steps) expect(s.errors.byClass).toEqual({});
      // each name's last value seen: at concurrency 1 the third answer's; at 2 the fifth's or sixth's
      expect(Object.keys(out.headers).sort()).toEqual([header, reset].sort());
      expect(out.headers[reset]).toBe("2030-01-01T00:00:00Z");
      expect(["94", "95"]).toContain(out.headers[header]);
      expect(out.steps[0]!.headers[header]).toBe("97");
      const text = JSON.stringify(out);
      for (const hidden of ["cookie", "trace-not-reported", "req_test", "request-id", "sk-probe-ok-key"]) {
        expect(text).not.toContain(hidden);
      }
    } finally {
      tmp.remove();
      await server.close();
    }
  }, 30_000);
});
