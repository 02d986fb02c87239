import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Case } from "../../src/core/case.ts";
import { confidenceValue } from "../../src/targets/confidence.ts";
import { callWithPolicy, createTarget, TargetConfigError } from "../../src/targets/index.ts";
import { startServer, type TestServer } from "../support/http-server.ts";
import { tempDir } from "../support/temp.ts";

/** A target's `confidence:` JSONPath, end to end through the call policy to the stored Output. */

const policy = { timeoutMs: 5000, retries: 0 };
const aCase = (p: unknown): Case => ({ id: "x", input: { p }, tags: {} });

describe("target confidence", () => {
  let server: TestServer;
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(async () => {
    server = await startServer((_req, res, body) => {
      const { input } = JSON.parse(body) as { input: { p: unknown } };
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ text: "hello", score: { p: input.p } }));
    });
    tmp = tempDir();
    // returns its input as the output's confidence, as JSON text
    tmp.write(
      "t.mjs",
      "export default async (input) => JSON.stringify({ answer: 1, confidence: input.p });\n",
    );
  });
  afterAll(async () => {
    await server?.close();
    tmp?.remove();
  });

  it("accepts numbers in [0, 1] and strings holding one; anything else is no confidence", () => {
    expect([0, 0.25, 1, "0.7", " 0.5 "].map(confidenceValue)).toEqual([0, 0.25, 1, 0.7, 0.5]);
    for (const v of [-0.1, 1.5, Number.NaN, "", "high", null, true, [0.5], { p: 0.5 }, undefined]) {
      expect(confidenceValue(v)).toBeUndefined();
    }
  });

  it("reads an http target's confidence from the whole body, whatever the output selector picks", async () => {
    for (const output of [undefined, "$.text"]) {
      const target = createTarget(
        { id: "svc", http: { url: `${server.url}/`, output }, confidence: "$.score.p" },
        { baseDir: tmp.dir },
      );
      const out = await callWithPolicy(target, aCase(0.42), 0, policy);
      expect(out.error).toBeUndefined();
      expect(out.confidence).toBe(0.42);
      expect(out.text).toBe(
        output === undefined ? JSON.stringify({ text: "hello", score: { p: 0.42 } }) : "hello",
      );
      await target.close?.();
    }
  });

  it("reads other targets' confidence from the output's JSON, and leaves out a bad one", async () => {
    const target = createTarget(
      { id: "mod", module: "t.mjs", confidence: "$.confidence" },
      { baseDir: tmp.dir },
    );
    await target.prepare?.();
    expect((await callWithPolicy(target, aCase(0.9), 0, policy)).confidence).toBe(0.9);
    const bad = await callWithPolicy(target, aCase(7), 0, policy);
    expect(bad.error).toBeUndefined();
    expect(bad.confidence).toBeUndefined();
    expect(target.describe()).toMatchObject({ confidence: "$.confidence" });
  });

  it("refuses a confidence that is not a JSONPath", () => {
    expect(() =>
      createTarget({ id: "m", module: "t.mjs", confidence: "confidence" }, { baseDir: tmp.dir }),
    ).toThrow(TargetConfigError);
  });
});
