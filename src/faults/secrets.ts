/**
 * Secrets come from the environment and never reach the store, reports or logs (DESIGN.md §5).
 * Target configs reference them as `${NAME}`; the reference is resolved at call time and the
 * placeholder, not the value, is what `describe()` returns.
 */

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const SECRET_NAME =
  /auth|cookie|token|secret|passw|api[-_]?key|apikey|private[-_]?key|session|credential|signature/i;

export const REDACTED = "[redacted]";

/** Environment variables referenced by some target config; their values are scrubbed from messages. */
const referencedEnv = new Set<string>();

/** The names of the environment variables a string references as `${NAME}`. */
export function envRefs(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) names.push(m[1]);
  return names;
}

/** Notes that these variables hold secrets-in-waiting, so error messages never show their values. */
export function registerSecretEnv(names: Iterable<string>): void {
  for (const name of names) referencedEnv.add(name);
}

/** Replaces `${NAME}` with the variable's value; `onMissing` decides what an unset variable does. */
export function resolveEnv(text: string, env: NodeJS.ProcessEnv, onMissing: (name: string) => never): string {
  return text.replace(PLACEHOLDER, (_, name: string) => {
    const value = env[name];
    if (value === undefined) onMissing(name);
    return value;
  });
}

export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * The form of a `name: value` pair that may be recorded. `${NAME}` placeholders are kept as
 * written; a literal value under a secret-looking name is redacted, except for an auth scheme
 * word in front of a placeholder (`Bearer ${API_TOKEN}` stays as is).
 */
export function redactValue(name: string, value: string): string {
  if (!looksSecret(name)) return value;
  const literal = value.replace(PLACEHOLDER, "").trim();
  if (literal === "" || /^(bearer|basic|token|bot|digest|apikey)$/i.test(literal)) return value;
  return REDACTED;
}

export function redactRecord(record: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record)) out[k] = redactValue(k, v);
  return out;
}

/** A URL with its password and secret-looking query parameters redacted (placeholders kept). */
export function redactUrl(url: string): string {
  let out = url.replace(
    /^([a-z][a-z0-9+.-]*:\/\/[^/@?#:]*):([^/@?#]*)@/i,
    (whole, head: string, password: string) =>
      envRefs(password).length > 0 && password.replace(PLACEHOLDER, "") === ""
        ? whole
        : `${head}:${REDACTED}@`,
  );
  const q = out.indexOf("?");
  if (q < 0) return out;
  const hash = out.indexOf("#", q);
  const query = out.slice(q + 1, hash < 0 ? undefined : hash);
  const redacted = query
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      if (eq < 0) return pair;
      const key = safeDecode(pair.slice(0, eq));
      const value = safeDecode(pair.slice(eq + 1));
      // `?key=` (Google) and `?sig=` (signed URLs) are secrets in a query string.
      const name = /^(key|sig|pwd|pass)$/i.test(key) ? "api-key" : key;
      return redactValue(name, value) === value ? pair : `${pair.slice(0, eq)}=${REDACTED}`;
    })
    .join("&");
  out = out.slice(0, q + 1) + redacted + (hash < 0 ? "" : out.slice(hash));
  return out;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}

/** Values shorter than this are not scrubbed: they would match ordinary text. */
const MIN_SECRET_LENGTH = 6;

/**
 * Removes the values of referenced and secret-looking environment variables from a message,
 * then bounds its length. Used on every error message a target produces. The whole text is
 * scrubbed before it is cut: cutting first could leave a secret's prefix behind, which no later
 * scrub would recognise. Pass `max = Infinity` to scrub without cutting.
 */
export function scrubMessage(message: string, env: NodeJS.ProcessEnv = process.env, max = 2000): string {
  let out = message;
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value.length < MIN_SECRET_LENGTH) continue;
    if (!referencedEnv.has(name) && !looksSecret(name)) continue;
    if (out.includes(value)) out = out.split(value).join(REDACTED);
  }
  return cutText(out, max);
}

/** The first `max` characters of a text and "…" when it is longer. Cut only what is already scrubbed. */
export function cutText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * Removes the values of the named variables from a text, whole and uncut. For target outputs,
 * on the hot path: what a target sends is what its server can echo back, and looking up a few
 * names costs far less than walking the whole environment for every output.
 */
export function scrubEnvValues(
  text: string,
  names: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): string {
  let out = text;
  for (const name of names) {
    const value = env[name];
    if (value === undefined || value.length < MIN_SECRET_LENGTH) continue;
    if (out.includes(value)) out = out.split(value).join(REDACTED);
  }
  return out;
}
