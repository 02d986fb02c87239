/**
 * Rubrics for promptfoo's model-graded assertions. promptfoo gives each test its own criterion
 * (`llm-rubric: "is funny"`, a g-eval criterion); assay's llm-judge has one rubric per dimension,
 * so the criterion travels in the case's expected value and the judge sees it in the reference
 * block (`reference: true, field: <dimension>`). These rubrics tell the judge to read that block
 * as the criterion, not as a model answer. Written into the imported suite's `rubrics/`.
 */

const HEAD = (title: string, use: string) => `# ${title}

<!--
Written by \`assay import promptfoo\`. ${use}
The criterion differs from case to case: it is the case's expected value under the dimension's
name, shown to the judge in the reference block.
-->

## Criterion

The reference block does not hold a model answer. It holds a criterion, written by the task's
owners, that the assistant's answer is graded against. Judge the answer only by that criterion;
do not reward or penalise anything the criterion does not mention.
`;

export const RUBRICS = {
  "promptfoo-criterion": `${HEAD("Meets the criterion (promptfoo llm-rubric)", "Used for llm-rubric and model-graded-closedqa, pass/fail.")}
## Levels

- pass: the answer meets the criterion in the reference block.
- fail: the answer does not meet the criterion, or meets only part of it.
`,
  "promptfoo-criterion-not": `${HEAD("Does not meet the criterion (promptfoo not-llm-rubric)", "Used for not-llm-rubric, pass/fail: the check passes when the answer does NOT meet the criterion.")}
## Levels

- pass: the answer does not meet the criterion in the reference block.
- fail: the answer meets the criterion in the reference block, fully or in part.
`,
  "promptfoo-criterion-scored": `${HEAD("How well the answer meets the criterion (promptfoo g-eval, scored llm-rubric)", "Used for g-eval and for llm-rubric with a threshold; scale 1–5, normalised to 0–1 by assay.")}
Work through the criterion step by step: list what it asks for, check the answer against each
part, then choose the level.

## Levels

- 5 — The answer meets every part of the criterion fully.
- 4 — The answer meets the criterion with a minor shortfall.
- 3 — The answer meets about half of what the criterion asks.
- 2 — The answer meets only a small part of the criterion.
- 1 — The answer does not meet the criterion at all.
`,
  "promptfoo-criterion-scored-not": `${HEAD("How far the answer stays clear of the criterion (promptfoo not-g-eval)", "Used for not-g-eval and not-llm-rubric with a threshold; scale 1–5: high when the answer does NOT meet the criterion.")}
Work through the criterion step by step: list what it asks for, check the answer against each
part, then choose the level.

## Levels

- 5 — The answer meets no part of the criterion.
- 4 — The answer meets only a small part of the criterion.
- 3 — The answer meets about half of what the criterion asks.
- 2 — The answer meets the criterion with a minor shortfall.
- 1 — The answer meets every part of the criterion fully.
`,
} as const;

export type RubricName = keyof typeof RUBRICS;
