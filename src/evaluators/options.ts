import { didYouMeanSuffix } from "../util/did-you-mean.ts";
import { EvaluatorConfigError } from "./types.ts";

/**
 * Reads and validates an evaluator's `with:` options. `allowed` comes from the evaluator's option
 * schema (option-schema.ts), the one declaration of their names. Unknown keys are errors (a typo
 * should name its option, not be ignored); every error is an EvaluatorConfigError whose `field` is the option
 * path within `with:` and whose message names it.
 */
export class OptionReader {
  readonly kind: string;
  readonly raw: Record<string, unknown>;

  constructor(kind: string, raw: unknown, allowed: readonly string[]) {
    this.kind = kind;
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      throw new EvaluatorConfigError(`${kind}: options must be an object, got ${describe(raw)}`);
    }
    this.raw = raw as Record<string, unknown>;
    for (const key of Object.keys(this.raw)) {
      if (!allowed.includes(key))
        throw new EvaluatorConfigError(unknownOptionMessage(kind, key, allowed), key);
    }
  }

  /** An option counts as given when its key is present with a value other than undefined. */
  has(key: string): boolean {
    return Object.hasOwn(this.raw, key) && this.raw[key] !== undefined;
  }

  get(key: string): unknown {
    return this.has(key) ? this.raw[key] : undefined;
  }

  fail(path: string, message: string): never {
    throw new EvaluatorConfigError(`${this.kind}: "${path}" ${message}`, path);
  }

  required(key: string): unknown {
    if (!this.has(key)) this.fail(key, "is required");
    return this.raw[key];
  }

  string(key: string, fallback?: string): string | undefined {
    if (!this.has(key)) return fallback;
    const v = this.raw[key];
    if (typeof v !== "string") this.fail(key, `must be a string, got ${describe(v)}`);
    return v;
  }

  nonEmptyString(key: string): string | undefined {
    const v = this.string(key);
    if (v !== undefined && v.trim() === "") this.fail(key, "must not be empty");
    return v;
  }

  boolean(key: string, fallback: boolean): boolean {
    if (!this.has(key)) return fallback;
    const v = this.raw[key];
    if (typeof v !== "boolean") this.fail(key, `must be true or false, got ${describe(v)}`);
    return v;
  }

  number(
    key: string,
    rules: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean } = {},
  ): number | undefined {
    if (!this.has(key)) return undefined;
    return checkNumber(this, key, this.raw[key], rules);
  }

  oneOf<T extends string>(key: string, values: readonly T[], fallback: T): T {
    if (!this.has(key)) return fallback;
    const v = this.raw[key];
    if (typeof v !== "string" || !values.includes(v as T)) {
      this.fail(key, `must be one of ${values.map((x) => `"${x}"`).join(", ")}, got ${describe(v)}`);
    }
    return v as T;
  }
}

export function checkNumber(
  reader: OptionReader,
  path: string,
  v: unknown,
  rules: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean },
): number {
  const what = rules.integer ? "an integer" : "a number";
  if (typeof v !== "number" || !Number.isFinite(v)) reader.fail(path, `must be ${what}, got ${describe(v)}`);
  if (rules.integer && !Number.isInteger(v)) reader.fail(path, `must be ${what}, got ${v}`);
  if (rules.min !== undefined && (rules.exclusiveMin ? v <= rules.min : v < rules.min)) {
    reader.fail(path, `must be ${rules.exclusiveMin ? "greater than" : "at least"} ${rules.min}, got ${v}`);
  }
  if (rules.max !== undefined && v > rules.max) reader.fail(path, `must be at most ${rules.max}, got ${v}`);
  return v;
}

/** "unknown option" naming the near option when there is one, else every known option. */
export function unknownOptionMessage(kind: string, key: string, known: readonly string[]): string {
  const near = didYouMeanSuffix(key, known);
  const list = known.length ? `known options: ${known.join(", ")}` : "it takes no options";
  return `${kind}: unknown option "${key}"${near} (${list})`;
}

/** A short description of a value for error messages. */
export function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}
