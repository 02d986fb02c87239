import { readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/cli.ts";

/**
 * The CLI is a thin shell over the library: every name a CLI module takes from the rest of src/
 * (values and types) is one src/index.ts exports, so a script can do whatever a command does.
 * The commands still import the defining modules directly, not src/index.ts: loading the whole
 * library would cost every command its start-up time (main.ts loads each command lazily).
 */

const SRC = join(REPO_ROOT, "src");
const CLI = join(SRC, "cli");
const INDEX = join(SRC, "index.ts");

function cliFiles(dir = CLI): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return cliFiles(path);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [path] : [];
  });
}

interface Use {
  file: string;
  name: string;
  from: string;
  symbol: ts.Symbol | undefined;
}

/** Every name a CLI module imports from src/ outside src/cli: static imports and `await import()`. */
function libraryUses(program: ts.Program, checker: ts.TypeChecker, file: string): Use[] {
  const source = program.getSourceFile(file);
  if (!source) throw new Error(`not in the program: ${file}`);
  const uses: Use[] = [];
  const fromLibrary = (spec: string) => {
    const target = resolve(dirname(file), spec);
    return spec.startsWith(".") && target.startsWith(SRC) && !target.startsWith(CLI) ? target : undefined;
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const from = fromLibrary(node.moduleSpecifier.text);
      const bindings = node.importClause?.namedBindings;
      if (from && bindings && ts.isNamedImports(bindings)) {
        for (const el of bindings.elements) {
          const local = checker.getSymbolAtLocation(el.name);
          const symbol =
            local && local.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(local) : local;
          uses.push({ file, name: (el.propertyName ?? el.name).text, from, symbol });
        }
      }
      if (from && (node.importClause?.name || (bindings && ts.isNamespaceImport(bindings)))) {
        uses.push({ file, name: "* or default", from, symbol: undefined });
      }
    }
    // const { a, b } = await import("../x.ts")
    if (
      ts.isVariableDeclaration(node) &&
      ts.isObjectBindingPattern(node.name) &&
      node.initializer &&
      ts.isAwaitExpression(node.initializer) &&
      ts.isCallExpression(node.initializer.expression) &&
      node.initializer.expression.expression.kind === ts.SyntaxKind.ImportKeyword
    ) {
      const arg = node.initializer.expression.arguments[0];
      const from = arg && ts.isStringLiteral(arg) ? fromLibrary(arg.text) : undefined;
      const moduleSymbol = from ? checker.getSymbolAtLocation(arg) : undefined;
      if (from) {
        for (const el of node.name.elements) {
          const name = (el.propertyName ?? el.name).getText(source);
          const exported = moduleSymbol
            ? checker.getExportsOfModule(moduleSymbol).find((s) => s.name === name)
            : undefined;
          const symbol =
            exported && exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
          uses.push({ file, name, from, symbol });
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return uses;
}

describe("the CLI uses nothing the library does not offer", () => {
  it("every name a CLI module imports from src/ is exported by src/index.ts", () => {
    const files = cliFiles();
    const program = ts.createProgram([INDEX, ...files], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2023,
      allowImportingTsExtensions: true,
      noEmit: true,
      skipLibCheck: true,
      strict: true,
      types: ["node"],
    });
    const checker = program.getTypeChecker();
    const index = program.getSourceFile(INDEX);
    const indexModule = index && checker.getSymbolAtLocation(index);
    if (!indexModule) throw new Error("src/index.ts has no module symbol");
    const offered = new Set(
      checker
        .getExportsOfModule(indexModule)
        .map((s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s)),
    );
    const uses = files.flatMap((f) => libraryUses(program, checker, f));
    // the check sees the imports (a parse that found none would pass vacuously)
    expect(uses.length).toBeGreaterThan(40);
    const missing = uses
      .filter((u) => !u.symbol || !offered.has(u.symbol))
      .map((u) => `${relative(REPO_ROOT, u.file)}: ${u.name} from ${relative(REPO_ROOT, u.from)}`);
    expect([...new Set(missing)].sort()).toEqual([]);
  });
});
