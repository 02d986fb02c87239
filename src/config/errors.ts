/**
 * Input errors: a bad suite file, dataset line or option. The CLI prints `message` and exits 2.
 * `location` is `file:line:column` when known so editors can jump to it.
 */
export class InputError extends Error {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly field?: string;
  constructor(
    message: string,
    where: { file?: string; line?: number; column?: number; field?: string } = {},
  ) {
    super(formatLocated(message, where));
    this.name = "InputError";
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.field = where.field;
  }
}

export function formatLocated(
  message: string,
  where: { file?: string; line?: number; column?: number; field?: string },
): string {
  let loc = where.file ?? "";
  if (where.file && where.line !== undefined) loc += `:${where.line}`;
  if (where.file && where.line !== undefined && where.column !== undefined) loc += `:${where.column}`;
  const field = where.field ? `${where.field}: ` : "";
  return loc ? `${loc} ${field}${message}` : `${field}${message}`;
}
