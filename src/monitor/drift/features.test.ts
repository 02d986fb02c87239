/** Input features: code-point length and the documented, deterministic language guess. */
import { describe, expect, it } from "vitest";
import { guessLanguage, inputFeatures } from "./features.ts";

describe("inputFeatures", () => {
  it("counts code points, not UTF-16 units", () => {
    expect(inputFeatures("")).toEqual({ length: 0, language: "und" });
    expect(inputFeatures("héllo").length).toBe(5);
    expect(inputFeatures("😀😀").length).toBe(2);
    expect(inputFeatures("𠀀").length).toBe(1);
  });

  it("guesses Latin-script languages from stopwords", () => {
    const cases: [string, string][] = [
      ["What is the best way to reset my password? I can't log in to the app.", "en"],
      ["¿Cómo puedo cambiar la contraseña de mi cuenta? No recibo el correo.", "es"],
      ["Comment est-ce que je peux changer le mot de passe de mon compte ?", "fr"],
      ["Wie kann ich das Passwort für mein Konto ändern? Ich bekomme keine E-Mail.", "de"],
      ["Como posso mudar a senha da minha conta? Não recebi o e-mail.", "pt"],
      ["Come posso cambiare la password del mio account? Non ricevo l'email.", "it"],
      ["Hoe kan ik het wachtwoord van mijn account wijzigen? Ik krijg geen e-mail.", "nl"],
    ];
    for (const [text, language] of cases) expect([text, guessLanguage(text)]).toEqual([text, language]);
  });

  it("names non-Latin scripts by their ranges", () => {
    const cases: [string, string][] = [
      ["Как изменить пароль?", "ru"],
      ["Як змінити пароль? Їжак", "uk"],
      ["كيف أغير كلمة المرور؟", "ar"],
      ["رمز عبور را چگونه تغییر دهم؟", "fa"],
      ["پاس ورڈ کیسے بدلیں؟ ٹھیک ہے", "ur"],
      ["パスワードを変更するにはどうすればいいですか", "ja"],
      ["如何更改我的密码？", "zh"],
      ["비밀번호를 어떻게 바꾸나요?", "ko"],
      ["Πώς αλλάζω τον κωδικό;", "el"],
      ["איך משנים סיסמה?", "he"],
      ["पासवर्ड कैसे बदलें?", "hi"],
      ["รหัสผ่าน", "th"],
    ];
    for (const [text, language] of cases) expect([text, guessLanguage(text)]).toEqual([text, language]);
  });

  it("says und when the evidence is missing, short or tied", () => {
    for (const text of ["", "12345 !!!", "ok", "Hallo", "de la", "ሰላም ነው"])
      expect(guessLanguage(text)).toBe("und");
    // dominant script wins over a few foreign letters
    expect(guessLanguage("Please translate 日本 for me, the word is short")).toBe("en");
  });

  it("looks only at the first 4,000 code points", () => {
    const text = "the and of ".repeat(400) + "Как изменить пароль? ".repeat(1000);
    expect(guessLanguage(text)).toBe("en");
    expect(inputFeatures(text).length).toBe(4400 + 21000);
  });
});
