import { describe, expect, it } from "vitest";
import type { Case } from "../../core/case.ts";
import { cleanParaphrase } from "./paraphrase.ts";
import { parseKinds, perturbationSource, perturbCases, perturbText } from "./perturb.ts";

const TEXT = "Schedule the quarterly planning meeting with Francesca for Thursday afternoon";

const cases: Case[] = [
  { id: "s-1", input: TEXT, expected: { action: "create" }, tags: { level: "simple", source: "curated" } },
  {
    id: "chat-1",
    input: {
      messages: [
        { role: "system", content: "You are a task parser for the planning service" },
        { role: "user", content: "Please remind me about the dentist appointment tomorrow" },
      ],
    },
    tags: {},
    cluster: "conv-9",
  },
  { id: "vars-1", input: { request: "Delete everything about groceries", limit: 3 }, tags: {} },
];

describe("perturbText", () => {
  it("is reproducible per seed, and the seed matters", () => {
    for (const kind of ["typo", "case", "whitespace"] as const) {
      expect(perturbText(TEXT, kind, "7:s-1")).toBe(perturbText(TEXT, kind, "7:s-1"));
      expect(perturbText(TEXT, kind, "7:s-1")).not.toBe(TEXT);
    }
    const seeds = Array.from({ length: 8 }, (_, i) => perturbText(TEXT, "typo", `seed-${i}`));
    expect(new Set(seeds).size).toBeGreaterThan(1);
  });

  it("typo: slips inside words, keeping first letters and the words' count", () => {
    for (let i = 0; i < 20; i++) {
      const out = perturbText(TEXT, "typo", i);
      const before = TEXT.split(" ");
      const after = out.split(" ");
      expect(after.length).toBe(before.length);
      expect(after.map((w) => w[0])).toEqual(before.map((w) => w[0]));
      expect(after.filter((w, j) => w !== before[j]).length).toBeGreaterThanOrEqual(1);
    }
  });

  it("case: only letter case changes; whitespace: only spaces", () => {
    for (let i = 0; i < 20; i++) {
      const recased = perturbText(TEXT, "case", i);
      expect(recased.toLowerCase()).toBe(TEXT.toLowerCase());
      expect(recased).not.toBe(TEXT);
      const spaced = perturbText(TEXT, "whitespace", i);
      expect(spaced.split(/\s+/).filter(Boolean)).toEqual(TEXT.split(" "));
      expect(spaced).not.toBe(TEXT);
    }
  });

  it("leaves a text without letters as it is", () => {
    expect(perturbText("42 + 7", "typo", 1)).toBe("42 + 7");
    expect(perturbText("42 + 7", "case", 1)).toBe("42 + 7");
  });
});

describe("perturbCases", () => {
  it("writes each original (perturbation: none) and its copies (id~KIND), keeping tags, expected and clusters", async () => {
    const r = await perturbCases(cases, { kinds: ["typo", "case"], seed: 3 });
    expect(r.cases.map((c) => c.id)).toEqual([
      "s-1",
      "s-1~typo",
      "s-1~case",
      "chat-1",
      "chat-1~typo",
      "chat-1~case",
      "vars-1",
      "vars-1~typo",
      "vars-1~case",
    ]);
    const byId = new Map(r.cases.map((c) => [c.id, c]));
    expect(byId.get("s-1")?.tags).toEqual({ level: "simple", source: "curated", perturbation: "none" });
    expect(byId.get("s-1")?.cluster).toBe("s-1");
    const typo = byId.get("s-1~typo");
    expect(typo?.tags).toEqual({ level: "simple", source: "curated", perturbation: "typo" });
    expect(typo?.expected).toEqual({ action: "create" });
    expect(typo?.cluster).toBe("s-1");
    expect(typo?.metadata).toEqual({ source: "s-1", perturbation: "typo", seed: 3 });
    expect(perturbationSource(typo as Case)).toBe("s-1");
    expect(perturbationSource(byId.get("s-1") as Case)).toBeUndefined();
    // chat: the system message stays, the user's changes; the conversation's cluster is kept
    const chat = byId.get("chat-1~typo")?.input as { messages: Array<{ content: string }> };
    expect(chat.messages[0].content).toBe("You are a task parser for the planning service");
    expect(chat.messages[1].content).not.toBe("Please remind me about the dentist appointment tomorrow");
    expect(byId.get("chat-1~typo")?.cluster).toBe("conv-9");
    // variables: string values change, others stay
    const vars = byId.get("vars-1~case")?.input as Record<string, unknown>;
    expect(vars.limit).toBe(3);
    expect(String(vars.request).toLowerCase()).toBe("delete everything about groceries");
    expect(r.counts).toEqual({
      typo: { written: 3, unchanged: 0, failed: 0 },
      case: { written: 3, unchanged: 0, failed: 0 },
    });
  });

  it("gives a case the same perturbation whatever else is in the dataset", async () => {
    const all = await perturbCases(cases, { kinds: ["typo", "whitespace"], seed: 11 });
    const one = await perturbCases([cases[2]], { kinds: ["whitespace", "typo"], seed: 11, originals: false });
    for (const c of one.cases) expect(all.cases.find((x) => x.id === c.id)).toEqual(c);
    expect(one.originals).toBe(0);
  });

  it("perturbs only the originals of an already perturbed file", async () => {
    const once = await perturbCases(cases, { kinds: ["typo"], seed: 1 });
    const twice = await perturbCases(once.cases, { kinds: ["typo"], seed: 1 });
    expect(twice.cases).toEqual(once.cases);
  });

  it("paraphrases through the given function, reporting the failures and writing the rest", async () => {
    const seen: string[] = [];
    const r = await perturbCases(cases, {
      kinds: ["paraphrase"],
      seed: 1,
      paraphrase: async (text, { caseId }) => {
        seen.push(text);
        if (caseId === "vars-1") throw new Error("rate-limited: slow down");
        return `In other words: ${text}`;
      },
    });
    expect(seen).toContain(TEXT);
    expect(seen).toContain("Please remind me about the dentist appointment tomorrow");
    expect(seen).not.toContain("You are a task parser for the planning service");
    expect(r.cases.find((c) => c.id === "s-1~paraphrase")?.input).toBe(`In other words: ${TEXT}`);
    expect(r.counts.paraphrase).toEqual({ written: 2, unchanged: 0, failed: 1 });
    expect(r.failures).toEqual([{ id: "vars-1", kind: "paraphrase", message: "rate-limited: slow down" }]);
  });

  it("refuses paraphrase without a model, unknown kinds and taken ids", async () => {
    await expect(perturbCases(cases, { kinds: ["paraphrase"], seed: 1 })).rejects.toThrow(/--model/);
    expect(() => parseKinds("typo,typos")).toThrow(/unknown kind "typos"/);
    expect(parseKinds("case, typo,case")).toEqual(["case", "typo"]);
    const clash: Case[] = [
      { id: "a", input: "some words here", tags: {} },
      { id: "a~typo", input: "other words", tags: {} },
    ];
    await expect(perturbCases(clash, { kinds: ["typo"], seed: 1 })).rejects.toThrow(/"a~typo" is taken/);
  });
});

describe("cleanParaphrase", () => {
  it("trims, unwraps one pair of quotes, and refuses empty or runaway answers", () => {
    expect(cleanParaphrase("buy milk", '  "Purchase milk"\n')).toBe("Purchase milk");
    expect(() => cleanParaphrase("buy milk", "   ")).toThrow(/empty/);
    expect(() => cleanParaphrase("buy milk", "x".repeat(500))).toThrow(/500 characters/);
  });
});
