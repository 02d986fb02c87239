import type { Command } from "commander";
import { buildProgram } from "../../src/cli/main.ts";
import { code, generatedBanner, table } from "./markdown.ts";

/** docs/reference/cli.md: every command, argument and option with its help text, from buildProgram(). */
export function cliPage(): string {
  const program = buildProgram();
  const commands = allCommands(program, []);
  return [
    generatedBanner("the commander program in src/cli/main.ts"),
    "",
    "# Command reference",
    "",
    "`assay <command> --help` prints the same. Exit codes: **0** success (gate passed), **1** gate",
    "failed or a regression found, **2** usage, configuration or input error (naming file, line and",
    "field), **3** the run could not complete.",
    "",
    "## Options for every command",
    "",
    optionTable(program),
    "",
    table(
      ["command", "does"],
      commands.map(({ cmd, path }) => [`[${path.join(" ")}](#${anchor(path)})`, cmd.description()]),
    ),
    "",
    commands.map(({ cmd, path }) => commandSection(cmd, path)).join("\n\n"),
    "",
  ].join("\n");
}

function allCommands(cmd: Command, path: string[]): Array<{ cmd: Command; path: string[] }> {
  return cmd.commands.flatMap((sub) => {
    const subPath = [...path, sub.name()];
    // a group (`baseline`, `labels`) is listed through its subcommands
    return sub.commands.length > 0 ? allCommands(sub, subPath) : [{ cmd: sub, path: subPath }];
  });
}

function anchor(path: string[]): string {
  return ["assay", ...path].join("-");
}

function usage(cmd: Command, path: string[]): string {
  const args = cmd.registeredArguments.map((a) => {
    const name = `${a.name()}${a.variadic ? "..." : ""}`;
    return a.required ? `<${name}>` : `[${name}]`;
  });
  return ["assay", ...path, ...args, ...(cmd.options.length ? ["[options]"] : [])].join(" ");
}

function commandSection(cmd: Command, path: string[]): string {
  const parts = [
    `## ${["assay", ...path].join(" ")}`,
    "",
    cmd.description(),
    "",
    "```",
    usage(cmd, path),
    "```",
  ];
  if (cmd.registeredArguments.length > 0) {
    parts.push(
      "",
      table(
        ["argument", "required", "description"],
        cmd.registeredArguments.map((a) => [
          code(`${a.name()}${a.variadic ? "..." : ""}`),
          a.required ? "yes" : "",
          a.description,
        ]),
      ),
    );
  }
  if (cmd.options.length > 0) parts.push("", optionTable(cmd));
  return parts.join("\n");
}

function optionTable(cmd: Command): string {
  return table(
    ["option", "description", "default"],
    cmd.options.map((o) => [
      code(o.flags),
      `${o.mandatory ? "(required) " : ""}${o.description}`,
      o.defaultValue === undefined || o.negate ? "" : JSON.stringify(o.defaultValue),
    ]),
  );
}
