#include "generate/wording.hpp"

namespace sf::gen {

const wording& wording_for(text::language lang) {
  static const wording en{
      "What is {}?",
      "What are {}?",
      "What does {} mean?",
      "What does {} refer to?",
      "What does {} consist of?",
      "What does {} stand for?",
      "What is {} used for?",
      "What does {} contain?",
      "What does {} describe?",
      "Fill in the blank: {}",
      "The text on page {} says: \"{}\"",
      "*Extractive summary made offline: these {} sentences are quoted verbatim from the text, "
      "chosen by how central their words are. Nothing was rephrased or added.*",
      "(p. {})",
      "Pages {}\u2013{}",
      "True or false: {}",
      "Key points",
      "Example",
      "Review questions",
      "*Notes made offline from the text's own sentences; every line is quoted, with its page.*",
  };
  static const wording de{
      "Was ist {}?",
      "Was sind {}?",
      "Was bedeutet {}?",
      "Worauf bezieht sich {}?",
      "Woraus besteht {}?",
      "Wofür steht {}?",
      "Wofür wird {} verwendet?",
      "Was enthält {}?",
      "Was beschreibt {}?",
      "Ergänzen Sie die Lücke: {}",
      "Auf Seite {} steht: \u201E{}\u201C",
      "*Extraktive Zusammenfassung, offline erstellt: diese {} Sätze sind wörtlich aus dem Text "
      "übernommen, ausgewählt danach, wie zentral ihre Begriffe sind. Nichts wurde umformuliert oder ergänzt.*",
      "(S. {})",
      "Seiten {}\u2013{}",
      "Richtig oder falsch: {}",
      "Kernpunkte",
      "Beispiel",
      "Wiederholungsfragen",
      "*Offline aus den Sätzen des Textes erstellte Notizen; jede Zeile ist ein Zitat mit Seitenangabe.*",
  };
  return lang == text::language::de ? de : en;
}

text::language output_language(const document& doc, const options& opts) {
  const std::string l = text::lower(opts.language);
  if (l.starts_with("de")) return text::language::de;
  if (l.starts_with("en")) return text::language::en;
  return doc.lang;
}

std::string format(std::string_view pattern, const std::vector<std::string_view>& args) {
  std::string out;
  std::size_t next = 0, i = 0;
  while (i < pattern.size()) {
    if (pattern.substr(i, 2) == "{}" && next < args.size()) {
      out += args[next++];
      i += 2;
    } else {
      out += pattern[i++];
    }
  }
  return out;
}

}  // namespace sf::gen
