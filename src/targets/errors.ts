import { InputError } from "../config/errors.ts";

/**
 * A target that cannot be built or loaded: a module without the named export, a malformed replay
 * line, a bad JSONPath, an unset environment variable. It is an input error (the CLI exits 2).
 *
 * `file`/`line` name the file at fault (a module, a replay JSONL) and are part of the message;
 * `field` is the path inside the target's spec (`http.headers.Authorization`) and is NOT part of
 * the message, so a caller that knows where the spec sits in the suite file can prefix it.
 */
export class TargetConfigError extends InputError {
  readonly targetId?: string;
  override readonly field?: string;
  constructor(
    message: string,
    where: { targetId?: string; file?: string; line?: number; field?: string } = {},
  ) {
    super(message, { file: where.file, line: where.line });
    this.name = "TargetConfigError";
    this.targetId = where.targetId;
    this.field = where.field;
  }
}
