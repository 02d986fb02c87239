import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/store/index.ts";
import type { RunOrigin, Store } from "../../src/store/types.ts";
import { makeRun } from "../support/synthetic-runs.ts";
import { tempDir } from "../support/temp.ts";
import { ensureWebBuilt, webSession } from "./support/web.ts";

/** Runs gathered from many machines on a team server say where each was made. */

const tmp = tempDir("assay-web-origin-");
let store: Store;
const web = webSession({ width: 1600, height: 900 });

async function runFrom(id: string, origin: RunOrigin | undefined): Promise<void> {
  const run = await makeRun(store, {
    id,
    suite: "origins",
    target: "t",
    cases: [{ id: "a", scores: { ok: 1 } }],
  });
  const { origin: _none, ...lineage } = run.lineage;
  await store.updateRun(id, { lineage: origin ? { ...lineage, origin } : lineage });
}

beforeAll(async () => {
  const built = ensureWebBuilt();
  store = openSqliteStore(tmp.path("assay.db"));
  await runFrom("from-ci", { host: "ci-runner-3", user: "robot", ciUrl: "https://ci.example.com/jobs/42" });
  // the origin is whatever the pusher sent: a script address must stay text
  await runFrom("from-laptop", { host: "laptop", user: "<b>ann</b>", ciUrl: "javascript:window.__pwned=1" });
  await runFrom("from-nowhere", undefined);
  await built;
  await web.start(store);
}, 120_000);

afterAll(async () => {
  await store?.close();
  tmp.remove();
});

describe("run origins in the web app", () => {
  it("the runs list and the run page show user@host and link the CI job only when it is http(s)", async () => {
    const p = await web.open("/");
    const row = (id: string) => p.locator(`tr[data-run="${id}"]`);
    await row("from-ci").getByTestId("run-origin").waitFor();

    expect(await row("from-ci").getByTestId("run-origin").textContent()).toBe("robot@ci-runner-3 · CI job");
    const link = row("from-ci").getByTestId("run-ci-link");
    expect(await link.getAttribute("href")).toBe("https://ci.example.com/jobs/42");
    expect(await link.getAttribute("rel")).toBe("noopener noreferrer");

    expect(await row("from-laptop").getByTestId("run-origin").textContent()).toBe("<b>ann</b>@laptop");
    expect(await row("from-laptop").locator("a[href^='javascript']").count()).toBe(0);
    expect(await row("from-laptop").getByTestId("run-ci-link").count()).toBe(0);
    expect(await row("from-laptop").locator("b").count()).toBe(0);

    expect(await row("from-nowhere").getByTestId("run-origin").count()).toBe(0);

    await row("from-ci").getByRole("link", { name: "from-ci" }).click();
    await p.waitForURL(/\/runs\/from-ci$/);
    const meta = p.locator("p.meta").getByTestId("run-origin");
    await meta.waitFor();
    expect(await meta.textContent()).toBe("robot@ci-runner-3 · CI job");
    expect(await p.evaluate("window.__pwned")).toBeUndefined();
  });
});
