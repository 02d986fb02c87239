import { Ajv, type Options as AjvOptions } from "ajv";
import { Ajv2019 } from "ajv/dist/2019.js";
import { Ajv2020 } from "ajv/dist/2020.js";
import ajvFormats from "ajv-formats";
import type { Draft } from "./json-schema.ts";
import { safeRegExpEngine } from "./safe-regex.ts";

/**
 * The ajv instance json-schema compiles with. A module of its own, imported when a json-schema
 * dimension is built: ajv and the regex engine are some 700 kB of code that every other run
 * would load for nothing (issue 14: start-up).
 */
export function newAjv(draft: Draft, strict: boolean) {
  const opts: AjvOptions = {
    allErrors: true,
    strict,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    allowUnionTypes: true,
    validateFormats: true,
    // `pattern` and `patternProperties` match outputs: they run on the linear-time engine
    code: { regExp: safeRegExpEngine },
  };
  const ajv =
    draft === "draft-07" ? new Ajv(opts) : draft === "2019-09" ? new Ajv2019(opts) : new Ajv2020(opts);
  ajvFormats.default(ajv);
  return ajv;
}
