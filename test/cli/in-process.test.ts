import { afterAll, describe, expect, it } from "vitest";
import { runCli, runCliInProcess } from "../support/cli.ts";
import { tempDir } from "../support/temp.ts";

/** The in-process CLI runner the CLI tests use: the same answers as a child, and nothing left behind. */
describe("runCliInProcess", () => {
  const tmp = tempDir("assay-in-process-");
  afterAll(() => tmp.remove());

  it("gives what a child process gives: exit code, stdout and stderr", async () => {
    for (const args of [["--db", tmp.path("none.db"), "show", "no-such-run"], ["frobnicate"], ["schema"]]) {
      const [inside, child] = [await runCliInProcess(args), await runCli(args)];
      expect(inside, args.join(" ")).toEqual(child);
    }
  }, 60_000);

  it("restores the working directory, the environment, the exit code and the streams", async () => {
    const before = {
      cwd: process.cwd(),
      exitCode: process.exitCode,
      stdout: process.stdout.write,
      stderr: process.stderr.write,
    };
    delete process.env.ASSAY_IN_PROCESS_PROBE;
    tmp.write("assay.yaml", "suite: [not, a, suite\n");
    const res = await runCliInProcess(["run"], { cwd: tmp.dir, env: { ASSAY_IN_PROCESS_PROBE: "1" } });
    // the suite was looked for in `cwd`
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(tmp.path("assay.yaml"));
    expect(process.cwd()).toBe(before.cwd);
    expect(process.exitCode).toBe(before.exitCode);
    expect(process.env.ASSAY_IN_PROCESS_PROBE).toBeUndefined();
    expect(process.stdout.write).toBe(before.stdout);
    expect(process.stderr.write).toBe(before.stderr);
  });

  it("refuses a second call while one runs (their outputs would mix)", async () => {
    const first = runCliInProcess(["schema"]);
    await expect(runCliInProcess(["schema"])).rejects.toThrow(/another in-process CLI call/);
    expect((await first).code).toBe(0);
  });
});
