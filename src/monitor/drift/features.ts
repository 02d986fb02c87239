/**
 * Input features whose distribution the monitor compares between windows: length and language.
 *
 * - `length`: Unicode code points of the input text (not UTF-16 units, so an emoji or a CJK
 *   extension character counts once).
 * - `language`: a small, deterministic guess, not a classifier — enough to see the mix of
 *   languages shift, and explainable by reading this file. From the first 4,000 code points:
 *   1. Letters are counted per script by fixed code-point ranges (below; no dependence on the
 *      runtime's Unicode tables). No letters → "und".
 *   2. A non-Latin dominant script names its language: Greek el, Armenian hy, Hebrew he,
 *      Georgian ka, Hangul ko, Thai th, Devanagari hi, Bengali bn, Gurmukhi pa, Gujarati gu,
 *      Tamil ta, Telugu te, Kannada kn, Malayalam ml. Cyrillic is ru, or uk when a letter only
 *      Ukrainian uses appears (і ї є ґ). Arabic script is ar, or ur when an Urdu-only letter
 *      appears (ٹ ڈ ڑ ں ے), or fa when a Persian letter appears (پ چ ژ گ). Han and kana together
 *      (Han is counted with kana when choosing the dominant script) are ja when kana make up at
 *      least a tenth of them, else zh. Other scripts → "und".
 *   3. Latin script: words (runs of letters, lower-cased, NFC) are looked up in short stopword
 *      lists for en, es, fr, de, pt, it, nl; a word in j of the lists scores 1/j for each. The
 *      best language wins when it scores at least 1 and strictly more than the runner-up;
 *      otherwise "und" (too short, a tie, or another Latin-script language).
 *   Codes are ISO 639-1; "und" is BCP 47's undetermined.
 * Compare `language` between windows as a category (chi-square), `length` as a number (KS).
 */

export interface InputFeatures {
  /** Unicode code points. */
  length: number;
  /** ISO 639-1 code, or "und". */
  language: string;
}

const GUESS_LIMIT = 4000;

type Script =
  | "latin"
  | "greek"
  | "cyrillic"
  | "armenian"
  | "hebrew"
  | "arabic"
  | "devanagari"
  | "bengali"
  | "gurmukhi"
  | "gujarati"
  | "tamil"
  | "telugu"
  | "kannada"
  | "malayalam"
  | "thai"
  | "georgian"
  | "hangul"
  | "kana"
  | "han";

/** [first, last, script], code points inclusive, ascending. */
const RANGES: readonly [number, number, Script][] = [
  [0x0041, 0x005a, "latin"],
  [0x0061, 0x007a, "latin"],
  [0x00c0, 0x00d6, "latin"],
  [0x00d8, 0x00f6, "latin"],
  [0x00f8, 0x024f, "latin"],
  [0x0370, 0x03ff, "greek"],
  [0x0400, 0x052f, "cyrillic"],
  [0x0531, 0x058f, "armenian"],
  [0x0591, 0x05ff, "hebrew"],
  [0x0600, 0x06ff, "arabic"],
  [0x0750, 0x077f, "arabic"],
  [0x0900, 0x097f, "devanagari"],
  [0x0980, 0x09ff, "bengali"],
  [0x0a00, 0x0a7f, "gurmukhi"],
  [0x0a80, 0x0aff, "gujarati"],
  [0x0b80, 0x0bff, "tamil"],
  [0x0c00, 0x0c7f, "telugu"],
  [0x0c80, 0x0cff, "kannada"],
  [0x0d00, 0x0d7f, "malayalam"],
  [0x0e00, 0x0e7f, "thai"],
  [0x10a0, 0x10ff, "georgian"],
  [0x1100, 0x11ff, "hangul"],
  [0x1e00, 0x1eff, "latin"],
  [0x1f00, 0x1fff, "greek"],
  [0x3040, 0x309f, "kana"],
  [0x30a0, 0x30ff, "kana"],
  [0x3130, 0x318f, "hangul"],
  [0x31f0, 0x31ff, "kana"],
  [0x3400, 0x4dbf, "han"],
  [0x4e00, 0x9fff, "han"],
  [0xac00, 0xd7af, "hangul"],
  [0xf900, 0xfaff, "han"],
  [0xfb50, 0xfdff, "arabic"],
  [0xfe70, 0xfeff, "arabic"],
  [0xff66, 0xff9d, "kana"],
  [0x20000, 0x2a6df, "han"],
];

const SCRIPT_LANGUAGE: Partial<Record<Script, string>> = {
  greek: "el",
  armenian: "hy",
  hebrew: "he",
  georgian: "ka",
  hangul: "ko",
  thai: "th",
  devanagari: "hi",
  bengali: "bn",
  gurmukhi: "pa",
  gujarati: "gu",
  tamil: "ta",
  telugu: "te",
  kannada: "kn",
  malayalam: "ml",
};

const UKRAINIAN_ONLY = new Set([..."іїєґІЇЄҐ"].map((c) => c.codePointAt(0)!));
const URDU_ONLY = new Set([..."ٹڈڑںے"].map((c) => c.codePointAt(0)!));
const PERSIAN = new Set([..."پچژگ"].map((c) => c.codePointAt(0)!));

/** Whether a code point is a letter of one of the ranges, and which; marks and digits are not letters. */
function scriptOf(cp: number): Script | null {
  // Latin-1 non-letters inside the ranges: × and ÷ are excluded by the ranges themselves.
  let lo = 0;
  let hi = RANGES.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [first, last, script] = RANGES[mid];
    if (cp < first) hi = mid - 1;
    else if (cp > last) lo = mid + 1;
    else return script;
  }
  return null;
}

const LETTER = /\p{L}/u;

const STOPWORDS: Record<string, string> = {
  en: "a the and of to in is that it for you was with on as are be this have not but what all were when we there can an which their if do will how my your please would should could about from they i me does",
  es: "de la que el en y a los se del las un por con no una su para es al lo como más pero sus le ya o este sí porque esta cuando muy sin sobre también me hay donde yo qué cómo está estoy tengo puedo gracias hola usted necesito quiero mi",
  fr: "de la le et les des en un du une que est pour qui dans a par plus pas au sur ne se ce il sont avec ou mais nous vous je elle son sa ses aux été être cette comme leur on y très merci bonjour pourquoi comment quoi où suis c j l d qu n mon ma mes peux",
  de: "der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es an werden aus er hat dass sie nach wird bei einer um am sind noch wie einem über einen so zum war haben nur oder aber vor zur bis mehr durch man ich wir mein meine bitte kann was wo warum danke hallo keine kein",
  pt: "de a o que e do da em um para é com não uma os no se na por mais as dos como mas foi ao ele das tem à seu sua ou ser quando muito há nos já está eu também só pelo pela até isso ela você obrigado obrigada olá porque onde meu minha estou preciso quero posso",
  it: "di e il la che a per un in è del non una i con da si le dei al della come nel più lo gli ma alla anche se ha sono delle questo mi io ci ti suo sua perché cosa grazie ciao molto essere quando dove l d sei vorrei posso mio",
  nl: "de en van het een in is dat op te zijn met voor niet die er aan ook als bij door maar om dan ze nog wat naar zo kan heb hij ik je wij mijn jij hoe waarom alstublieft dank bedankt uit wordt was u graag hallo geen",
};

/** word → [languages that list it]. */
const STOPWORD_INDEX: Map<string, string[]> = (() => {
  const index = new Map<string, string[]>();
  for (const [language, words] of Object.entries(STOPWORDS)) {
    for (const word of new Set(words.split(" "))) {
      const list = index.get(word) ?? [];
      list.push(language);
      index.set(word, list);
    }
  }
  return index;
})();

function guessLatin(text: string): string {
  const scores = new Map<string, number>();
  for (const match of text
    .normalize("NFC")
    .toLowerCase()
    .matchAll(/\p{L}+/gu)) {
    const languages = STOPWORD_INDEX.get(match[0]);
    if (!languages) continue;
    for (const language of languages)
      scores.set(language, (scores.get(language) ?? 0) + 1 / languages.length);
  }
  let best = "und";
  let bestScore = 0;
  let second = 0;
  // Object.keys order is fixed, so ties resolve the same way every time (to "und" below).
  for (const language of Object.keys(STOPWORDS)) {
    const s = scores.get(language) ?? 0;
    if (s > bestScore) {
      second = bestScore;
      bestScore = s;
      best = language;
    } else if (s > second) second = s;
  }
  // 1e-9: the scores are sums of fractions, so equal evidence can differ in the last bit.
  return bestScore >= 1 - 1e-9 && bestScore - second > 1e-9 ? best : "und";
}

/** A deterministic guess of the language of a text (see the file's header). */
export function guessLanguage(text: string): string {
  const counts = new Map<Script, number>();
  let letters = 0;
  let other = 0;
  let ukrainian = false;
  let urdu = false;
  let persian = false;
  let seen = 0;
  let end = 0;
  for (const ch of text) {
    if (seen++ >= GUESS_LIMIT) break;
    end += ch.length;
    const cp = ch.codePointAt(0)!;
    // ASCII without the regular expression: most inputs are mostly ASCII.
    if (cp < 0x80 ? !((cp | 0x20) >= 0x61 && (cp | 0x20) <= 0x7a) : !LETTER.test(ch)) continue;
    const script = scriptOf(cp);
    letters++;
    if (script === null) {
      other++;
      continue;
    }
    counts.set(script, (counts.get(script) ?? 0) + 1);
    if (UKRAINIAN_ONLY.has(cp)) ukrainian = true;
    else if (URDU_ONLY.has(cp)) urdu = true;
    else if (PERSIAN.has(cp)) persian = true;
  }
  if (letters === 0) return "und";
  const han = counts.get("han") ?? 0;
  const kana = counts.get("kana") ?? 0;
  let dominant: Script | "other" = "other";
  let most = other;
  for (const [script, n] of counts) {
    const weight = script === "han" || script === "kana" ? han + kana : n;
    if (weight > most) {
      most = weight;
      dominant = script;
    }
  }
  switch (dominant) {
    case "other":
      return "und";
    case "latin":
      return guessLatin(text.slice(0, end));
    case "han":
    case "kana":
      return kana >= 0.1 * (han + kana) ? "ja" : "zh";
    case "cyrillic":
      return ukrainian ? "uk" : "ru";
    case "arabic":
      return urdu ? "ur" : persian ? "fa" : "ar";
    default:
      return SCRIPT_LANGUAGE[dominant] ?? "und";
  }
}

/** Length (code points) and a language guess for an input text. */
export function inputFeatures(text: string): InputFeatures {
  let length = 0;
  for (const _ of text) length++;
  return { length, language: guessLanguage(text) };
}
