import { InputError } from "../config/errors.ts";
import { RunNotFoundError } from "../store/resolve.ts";

/** Exit codes (DESIGN.md §4.2). */
export const EXIT = { ok: 0, gateFailed: 1, usage: 2, incomplete: 3 } as const;

/** An error the CLI reports as-is with a chosen exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof InputError || err instanceof RunNotFoundError) return EXIT.usage;
  const name = (err as { name?: string })?.name;
  if (
    name === "TargetConfigError" ||
    name === "EvaluatorConfigError" ||
    name === "LeaseHeldError" ||
    name === "QueueSetupError" ||
    name === "RunMismatchError"
  )
    return EXIT.usage;
  return EXIT.incomplete;
}
