/**
 * What `assay init` writes, per template. Files are kept as text here (not as files in the
 * package) so that nothing is lost to npm's packing rules (it drops `.gitignore` files).
 * Every template is a working suite: `assay run` and `assay gate` succeed on `basic` right away;
 * `llm` and `agent` need the provider's API key in the environment first.
 */

export type TemplateName = "basic" | "llm" | "agent";
export const TEMPLATE_NAMES: readonly TemplateName[] = ["basic", "llm", "agent"];

export interface TemplateFile {
  path: string;
  content: string;
}

const CASES = [
  {
    id: "pos-1",
    input: "I love this product, it works perfectly",
    expected: "positive",
    tags: { source: "curated", length: "short" },
  },
  {
    id: "pos-2",
    input: "Great support team, they fixed my issue in minutes",
    expected: "positive",
    tags: { source: "curated", length: "short" },
  },
  {
    id: "pos-3",
    input: "Excellent value, I would buy it again",
    expected: "positive",
    tags: { source: "curated", length: "short" },
  },
  {
    id: "neg-1",
    input: "Terrible experience, the app crashes every time",
    expected: "negative",
    tags: { source: "curated", length: "short" },
  },
  {
    id: "neg-2",
    input: "I hate waiting two weeks for a refund",
    expected: "negative",
    tags: { source: "curated", length: "short" },
  },
  {
    id: "neg-3",
    input: "The update broke everything, awful",
    expected: "negative",
    tags: { source: "failure", length: "short" },
  },
  {
    id: "neu-1",
    input: "The package arrived on Tuesday",
    expected: "neutral",
    tags: { source: "curated", length: "short" },
  },
  {
    id: "neu-2",
    input: "Can you tell me the opening hours of the Berlin store?",
    expected: "neutral",
    tags: { source: "curated", length: "long" },
  },
];

const casesJsonl = `${CASES.map((c) => JSON.stringify(c)).join("\n")}\n`;

const gitignore = ".assay/\n";

function workflow(suiteDir: string): string {
  const dir = suiteDir === "." ? "." : suiteDir;
  return `# Runs the assay suite on every pull request and fails the check when the gate fails.
name: assay
on:
  pull_request:
  push:
    branches: [main]
jobs:
  gate:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - run: npm ci
      - name: run the suite
        run: npx assay run ${dir}
      - name: gate
        run: npx assay gate ${dir} --md assay-gate.md --junit assay-gate.xml
      - name: keep the report
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: assay-gate
          path: |
            assay-gate.md
            assay-gate.xml
`;
}

const basicSuite = `# An assay suite: the dataset, the system under test, the dimensions it is scored on, the gate.
# Run it with \`npx assay run\`, then \`npx assay gate\`. \`npx assay schema\` prints every key.
suite: sentiment
description: classify a customer message as positive, negative or neutral
dataset: data/cases.jsonl
targets:
  # A JavaScript function: default export (input, ctx) => output. Replace it with a call to your system.
  - id: rules-v1
    module: target.mjs
concurrency: 8
dimensions:
  label:
    evaluator: equals
    with: { caseInsensitive: true }
    weight: 1
    threshold: 1
gate:
  floors: { aggregate: 0.6 }
  maxErrorRate: 0.05
`;

const basicTarget = `// The system under test: assay calls this once per case (and epoch).
// \`input\` is the case's input; \`ctx.case\` has its id and tags (never its expected answer).
const POSITIVE = ["love", "great", "excellent", "perfect", "fixed"];
const NEGATIVE = ["hate", "terrible", "awful", "broke", "crash"];

export default async function classify(input) {
  const text = String(input).toLowerCase();
  const pos = POSITIVE.filter((w) => text.includes(w)).length;
  const neg = NEGATIVE.filter((w) => text.includes(w)).length;
  if (pos > neg) return "positive";
  if (neg > pos) return "negative";
  return "neutral";
}
`;

const llmSuite = `# An assay suite with an LLM target and an LLM judge calibrated against your labels.
# Needs OPENAI_API_KEY in the environment (or change provider/baseUrl: any OpenAI-compatible server works).
suite: support-answers
description: answer customer questions politely and correctly
dataset: data/cases.jsonl
targets:
  - id: mini
    provider: openai:gpt-4o-mini
    prompt: prompts/answer.md
    options: { temperature: 0 }
concurrency: 4
dimensions:
  label:
    evaluator: contains
    with: { caseInsensitive: true }
    weight: 0.5
    threshold: 1
  helpfulness:
    evaluator: llm-judge
    with: { model: "openai:gpt-4o-mini", rubric: rubrics/helpfulness.md }
    weight: 0.5
    threshold: 0.6
gate:
  floors: { aggregate: 0.6 }
  maxErrorRate: 0.05
`;

const llmPrompt = `Classify the customer's message as exactly one word: positive, negative or neutral.
Then, on a new line, write one short, polite sentence in reply.

Message: {{ input }}
`;

const rubric = `# Helpfulness

Does the reply help the customer, politely and without inventing facts?

- **1**: rude, off-topic, or invents facts.
- **2**: on topic but unhelpful.
- **3**: helpful but incomplete or curt.
- **4**: helpful and polite.
- **5**: helpful, polite, and exactly as long as it needs to be.
`;

const agentSuite = `# An assay suite for an agent: an LLM with tools, scored on its answer and on its trace.
# Needs OPENAI_API_KEY in the environment (or change provider/baseUrl).
suite: order-agent
description: an agent that looks orders up with a tool before it answers
dataset: data/cases.jsonl
targets:
  - id: agent
    provider: openai:gpt-4o-mini
    prompt: prompts/answer.md
    tools: tools.json
    toolsModule: tools.mjs
    maxSteps: 6
concurrency: 4
dimensions:
  label:
    evaluator: contains
    with: { caseInsensitive: true }
    weight: 0.6
    threshold: 1
  steps:
    evaluator: trace-steps
    with: { maxSteps: 6 }
    weight: 0.2
    threshold: 1
  loops:
    evaluator: tool-loops
    with: { maxRepeats: 2 }
    weight: 0.2
    threshold: 1
gate:
  floors: { aggregate: 0.6 }
  maxErrorRate: 0.05
`;

const agentTools = `${JSON.stringify(
  [
    {
      name: "lookup_order",
      description: "Looks an order up by its number",
      parameters: {
        type: "object",
        properties: { order: { type: "string" } },
        required: ["order"],
      },
    },
  ],
  null,
  2,
)}\n`;

const agentToolsModule = `// Tool implementations: one export per tool name, called with the model's arguments.
export async function lookup_order({ order }) {
  return { order, status: "shipped", eta: "2 days" };
}
`;

/** The files of a template, paths relative to the suite folder. */
export function templateFiles(name: TemplateName, suiteDir: string): TemplateFile[] {
  const common: TemplateFile[] = [
    { path: "data/cases.jsonl", content: casesJsonl },
    { path: ".gitignore", content: gitignore },
    { path: ".github/workflows/assay.yml", content: workflow(suiteDir) },
  ];
  switch (name) {
    case "basic":
      return [
        { path: "assay.yaml", content: basicSuite },
        { path: "target.mjs", content: basicTarget },
        ...common,
      ];
    case "llm":
      return [
        { path: "assay.yaml", content: llmSuite },
        { path: "prompts/answer.md", content: llmPrompt },
        { path: "rubrics/helpfulness.md", content: rubric },
        ...common,
      ];
    case "agent":
      return [
        { path: "assay.yaml", content: agentSuite },
        { path: "prompts/answer.md", content: llmPrompt },
        { path: "tools.json", content: agentTools },
        { path: "tools.mjs", content: agentToolsModule },
        ...common,
      ];
  }
}
