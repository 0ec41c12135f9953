#include "generate/headings.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <string>

#include "common/utf8.hpp"

namespace sf::gen {
namespace {

constexpr std::size_t max_title_words = 10;
constexpr std::size_t min_body_words = 8;
constexpr int max_number_part = 60;

struct numbering {
  std::string number;
  int level = 0;
  std::size_t rest = 0;  // byte where the title starts
};

// "3.2 Foo", "3.2. Foo", "Chapter 4. Foo", "Kapitel 2 Foo", "A.1 Foo".
std::optional<numbering> parse_numbering(std::string_view p) {
  numbering n;
  std::size_t i = 0;
  bool chapter_word = false;
  const std::string low = text::lower(p.substr(0, 12));
  for (std::string_view w : {"chapter ", "kapitel ", "part ", "teil ", "appendix ", "anhang ", "section ", "abschnitt "}) {
    if (low.starts_with(w)) {
      i = w.size();
      chapter_word = true;
      break;
    }
  }
  const std::size_t start = i;
  int parts = 0;
  while (i < p.size()) {
    std::size_t b = i;
    while (i < p.size() && p[i] >= '0' && p[i] <= '9') ++i;
    if (i == b) {
      // An appendix letter may open the number: "A.2".
      if (parts == 0 && i < p.size() && p[i] >= 'A' && p[i] <= 'Z' && i + 1 < p.size() && (p[i + 1] == '.' || chapter_word)) ++i;
      else break;
    } else if (i - b > 2 || std::stoi(std::string(p.substr(b, i - b))) > max_number_part) {
      return std::nullopt;
    }
    ++parts;
    if (i < p.size() && p[i] == '.' && i + 1 < p.size() && p[i + 1] != ' ') { ++i; continue; }
    break;
  }
  if (parts == 0) return std::nullopt;
  n.number = std::string(p.substr(start, i - start));
  if (i < p.size() && (p[i] == '.' || p[i] == ':')) ++i;
  if (i >= p.size() || p[i] != ' ') return std::nullopt;
  while (i < p.size() && p[i] == ' ') ++i;
  n.rest = i;
  n.level = chapter_word ? 1 : parts;
  return n;
}

bool skip_title(const std::string& low) {
  static const std::set<std::string, std::less<>> skip = {
      "contents", "table of contents", "index", "inhalt", "inhaltsverzeichnis", "list of figures", "list of tables",
      "bibliography", "references", "literatur", "literaturverzeichnis", "acknowledgments", "acknowledgements",
      "abbildungsverzeichnis", "tabellenverzeichnis", "glossary", "notes", "preface",
      // chapter numbers spelled out on a line of their own
      "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
      "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "chapter",
      "part", "appendix", "kapitel", "teil", "anhang"};
  return skip.contains(low);
}

// A title reads like one: a few words, mostly letters, starting with a capital.
bool title_like(std::string_view t, text::language lang, bool numbered) {
  const auto toks = text::tokenize(t, {0, t.size()});
  std::size_t words = 0, content = 0, capitalised = 0;
  for (const auto& tok : toks) {
    if (tok.url) return false;
    if (tok.numeric) continue;
    ++words;
    if (!text::is_stopword(tok.norm, lang)) {
      ++content;
      capitalised += tok.upper_initial || tok.all_caps;
    }
  }
  if (words == 0 || words > max_title_words) return false;
  std::size_t letters = 0, nonspace = 0, i = 0;
  char32_t first = 0;
  while (i < t.size()) {
    const char32_t c = text::next_cp(t, i);
    if (first == 0) first = c;
    if (text::is_space(c)) continue;
    ++nonspace;
    letters += text::is_letter(c);
  }
  if (!text::is_upper(first) || letters * 10 < nonspace * 7) return false;
  if (numbered || lang == text::language::de) return true;
  return words <= 4 || capitalised * 2 >= content;
}

std::size_t words_in(const document& doc, const paragraph& p) {
  std::size_t n = 0;
  for (std::size_t s = p.first_sentence; s < p.end_sentence; ++s)
    for (const auto& t : doc.sentences[s].tokens) n += !t.numeric;
  return n;
}

// A title should open prose: the next non-heading paragraph, within a few, is real text.
bool opens_prose(const document& doc, std::size_t pi) {
  for (std::size_t k = pi + 1; k < doc.paragraphs.size() && k <= pi + 3; ++k)
    if (!doc.paragraphs[k].heading) return words_in(doc, doc.paragraphs[k]) >= min_body_words;
  return false;
}

bool all_caps(std::string_view t) {
  std::size_t i = 0, letters = 0;
  while (i < t.size()) {
    const char32_t c = text::next_cp(t, i);
    if (text::is_lower(c)) return false;
    letters += text::is_letter(c);
  }
  return letters >= 4;
}

// "DEBIAN DEVELOPER'S DUTIES" -> "Debian Developer's Duties"; short words stay (acronyms).
std::string title_case(std::string_view t, text::language lang) {
  std::string out;
  const auto toks = text::tokenize(t, {0, t.size()});
  std::size_t copied = 0;
  for (std::size_t k = 0; k < toks.size(); ++k) {
    const auto& tok = toks[k];
    out += t.substr(copied, tok.bytes.begin - copied);
    copied = tok.bytes.end;
    const std::string_view word = t.substr(tok.bytes.begin, tok.bytes.size());
    if (k > 0 && text::is_stopword(tok.norm, lang)) { out += tok.norm; continue; }
    if (utf8::length(word) <= 3 && k > 0) { out += word; continue; }
    std::size_t i = 0;
    text::next_cp(word, i);
    out += word.substr(0, i);
    out += text::lower(word.substr(i));
  }
  out += t.substr(copied);
  return out;
}

bool bare_chapter_word(std::string_view p, std::string& number) {
  const std::string low = text::lower(p);
  for (std::string_view w : {"chapter ", "kapitel ", "part ", "teil "}) {
    if (!low.starts_with(w)) continue;
    std::string_view rest = std::string_view(low).substr(w.size());
    if (rest.empty() || rest.size() > 4) return false;
    for (char ch : rest)
      if (!std::isalnum(static_cast<unsigned char>(ch))) return false;
    number = std::string(p.substr(w.size()));
    return true;
  }
  return false;
}

}  // namespace

std::vector<heading> find_headings(const document& doc) {
  std::vector<heading> numbered, plain;
  std::set<std::string> seen;
  for (std::size_t pi = 0; pi < doc.paragraphs.size(); ++pi) {
    const paragraph& p = doc.paragraphs[pi];
    if (!p.heading) continue;
    std::string_view str = doc.str(p);
    heading h;
    h.paragraph = pi;
    // "Chapter 3" on its own line, its title on the next.
    if (std::string number; bare_chapter_word(str, number) && pi + 1 < doc.paragraphs.size() &&
                            doc.paragraphs[pi + 1].heading) {
      h.number = number;
      h.level = 1;
      str = doc.str(doc.paragraphs[++pi]);
    } else if (const auto num = parse_numbering(str)) {
      h.number = num->number;
      h.level = num->level;
      str = str.substr(num->rest);
    }
    // "Package information 4.9.1 On the web": the next heading was glued on.
    for (std::size_t k = 1; k + 2 < str.size(); ++k)
      if (str[k - 1] == ' ' && std::isdigit(static_cast<unsigned char>(str[k])) && str[k + 1] == '.' &&
          std::isdigit(static_cast<unsigned char>(str[k + 2]))) {
        str = str.substr(0, k - 1);
        break;
      }
    while (!str.empty() && (str.back() == ' ' || str.ends_with("\u2022"))) str.remove_suffix(str.back() == ' ' ? 1 : 3);
    while (!str.empty() && (std::isdigit(static_cast<unsigned char>(str.back())) || str.back() == '.' || str.back() == ' ')) {
      const std::size_t sp = str.rfind(' ');
      if (sp == std::string_view::npos) break;
      const std::string_view last = str.substr(sp + 1);
      if (!last.empty() && last.find_first_not_of("0123456789.") != std::string_view::npos) break;
      str = str.substr(0, sp);
    }
    const bool is_numbered = !h.number.empty();
    if (!title_like(str, doc.lang, is_numbered)) continue;
    const std::string low = text::lower(str);
    if (skip_title(low) || seen.contains(low)) continue;
    if (low.find("copyright") != std::string::npos || low.find("licen") != std::string::npos) continue;
    if (!is_numbered && !opens_prose(doc, pi)) continue;
    seen.insert(low);
    h.title = all_caps(str) ? title_case(str, doc.lang) : std::string(str);
    if (is_numbered) {
      numbered.push_back(std::move(h));
    } else {
      h.level = all_caps(str) ? 0 : 1;
      plain.push_back(std::move(h));
    }
  }
  std::vector<heading> out;
  if (numbered.size() >= 3) {
    // Numbered headings are the document's own structure. Unnumbered lines next to them are
    // mostly labels, except chapter titles set in capitals, which sit above them.
    const int top = std::min_element(numbered.begin(), numbered.end(), [](const heading& a, const heading& b) { return a.level < b.level; })->level;
    std::size_t caps = 0;
    for (const auto& h : plain) caps += h.level == 0;
    for (auto& h : numbered) h.level -= top - 1;
    if (caps >= 2) {
      for (auto& h : numbered) h.level += 1;
      for (auto& h : plain)
        if (h.level == 0) {
          h.level = 1;
          numbered.push_back(std::move(h));
        }
    }
    out = std::move(numbered);
  } else {
    for (auto& h : plain) h.level = 1;
    out = std::move(plain);
  }
  std::sort(out.begin(), out.end(), [](const heading& a, const heading& b) { return a.paragraph < b.paragraph; });
  return out;
}

}  // namespace sf::gen
