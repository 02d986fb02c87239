import type { Liquid } from "liquidjs";
import { describe, expect, it, vi } from "vitest";
import { compileBody, LIQUID_LOCALE, safeLiquid } from "./template.ts";

const TEMPLATES = [
  "{{ input }}",
  "{{input}}",
  "{{   input   }}",
  "Question: {{ input }}\nAnswer:",
  "{{ input }} and again {{ input }}",
  "{ {{ input }} }",
  "}} {{ input }} %}",
  "{{ missing }}",
  "{{ epoch }}",
  "run {{ epoch }}: {{ input }}",
  "{{ case.id }}",
  "{{ input | upcase }}",
  "{{- input -}}",
  "  {{- input }}  ",
  "{% if input %}[{{ input }}]{% endif %}",
  "{% raw %}{{ input }}{% endraw %} {{ input }}",
  "no template at all",
  "",
];

const INPUTS: unknown[] = [
  "Mark the budget review as done",
  "",
  "  padded  ",
  "{{ epoch }} {% x %}",
  "é😀\n\t\"'",
];

/**
 * What compileBody rendered before it had a fast path: Liquid's text, except that a template
 * which is one bare variable inserts a value that is not a string as that value.
 */
function reference(liquid: Liquid, template: string, scope: Record<string, unknown>): unknown {
  const bare = /^\{\{-?\s*([A-Za-z_][\w.]*)\s*-?\}\}$/.exec(template);
  if (bare) {
    const value: unknown = liquid.evalValueSync(bare[1], scope);
    if (value !== undefined && value !== null && typeof value !== "string") return value;
  }
  return liquid.parseAndRenderSync(template, scope);
}

describe("compileBody", () => {
  it("renders every template as Liquid does, with or without the fast path for plain outputs", () => {
    const liquid = safeLiquid("/");
    for (const template of TEMPLATES) {
      const render = compileBody(liquid, template, "body");
      for (const input of INPUTS) {
        const scope = { input, case: { id: "c1", tags: {}, input }, epoch: 2 };
        expect(render(scope), `${JSON.stringify(template)} with ${JSON.stringify(input)}`).toEqual(
          reference(liquid, template, scope),
        );
      }
    }
  });

  it("renders dates in one fixed locale, whatever the machine's (the same body on every machine)", () => {
    const liquid = safeLiquid("/");
    const render = compileBody(liquid, { day: "{{ when | date: '%A %B %-d', 0 }}" }, "body");
    expect(render({ when: "2026-01-05T12:00:00Z" })).toEqual({ day: "Monday January 5" });
    expect(liquid.options.locale).toBe(LIQUID_LOCALE);
  });

  it("a bare variable holding an object still inserts the object", () => {
    const liquid = safeLiquid("/");
    const render = compileBody(liquid, { q: "{{ input }}", n: "{{ epoch }}" }, "body");
    expect(render({ input: { question: "q", context: ["a"] }, epoch: 3 })).toEqual({
      q: { question: "q", context: ["a"] },
      n: 3,
    });
  });

  it("renders `{{ input }}` with a string input without calling Liquid per call", () => {
    const liquid = safeLiquid("/");
    const render = compileBody(liquid, { text: "{{ input }}", prompt: "Q: {{ input }}" }, "body");
    const renderSync = vi.spyOn(liquid, "renderSync");
    const evalValueSync = vi.spyOn(liquid, "evalValueSync");
    expect(render({ input: "hello", epoch: 1 })).toEqual({ text: "hello", prompt: "Q: hello" });
    expect(renderSync).not.toHaveBeenCalled();
    expect(evalValueSync).not.toHaveBeenCalled();
  });
});
