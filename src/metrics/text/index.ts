export * from "./bleu.ts";
export * from "./levenshtein.ts";
export * from "./rouge.ts";
export * from "./token-f1.ts";
export { codePoints, fsum, pythonSplit } from "./tokenize.ts";
