#include "generate/validate.hpp"

#include <map>
#include <set>
#include <string>
#include <utility>

#include "common/utf8.hpp"
#include "generate/citation.hpp"
#include "generate/text_analysis.hpp"

namespace sf::gen {
namespace {

using json = nlohmann::json;

// Runs of whitespace count as one space, so a line break in either text does not matter.
std::string collapse(std::string_view s) {
  std::string out;
  bool space = false;
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t b = i;
    const char32_t c = text::next_cp(s, i);
    if (text::is_space(c)) { space = true; continue; }
    if (space && !out.empty()) out += ' ';
    space = false;
    out.append(s.substr(b, i - b));
  }
  return out;
}

class checker {
 public:
  explicit checker(const corpus& input) {
    for (const auto& p : input.pages) pages_.emplace(std::make_pair(p.source_id, p.page), &p);
  }

  // A non-empty string field; `where` names the item in messages.
  result<std::string> str(const json& item, const char* key, const std::string& where) const {
    if (!item.contains(key) || !item[key].is_string())
      return failure(errc::invalid_value, where + " has no \"" + key + "\" string");
    const auto& s = item[key].get_ref<const std::string&>();
    if (collapse(s).empty()) return failure(errc::invalid_value, where + " has an empty \"" + key + "\"");
    return s;
  }

  // The item's citations, each pointing at a real page and a span inside its text.
  result<std::vector<citation>> citations(const json& item, const std::string& where) const {
    if (!item.contains("citations") || !item["citations"].is_array() || item["citations"].empty())
      return failure(errc::invalid_value, where + " has no citations");
    std::vector<citation> out;
    for (std::size_t i = 0; i < item["citations"].size(); ++i) {
      const std::string at = where + " citation " + std::to_string(i);
      auto c = citation_from_json(item["citations"][i]);
      if (!c) return failure(errc::invalid_value, at + ": " + c.error().message);
      auto it = pages_.find({c.value().source_id, c.value().page});
      if (it == pages_.end())
        return failure(errc::invalid_value, at + " points at page " + std::to_string(c.value().page) + " of source \"" +
                                                c.value().source_id + "\", which the material does not have");
      const std::size_t length = utf8::length(it->second->text);
      if (c.value().start >= c.value().end || c.value().end > length)
        return failure(errc::invalid_value, at + " spans " + std::to_string(c.value().start) + "-" +
                                                std::to_string(c.value().end) + ", outside the page's " +
                                                std::to_string(length) + " characters");
      out.push_back(std::move(c).value());
    }
    return out;
  }

  // True when `needle` is quoted in one of the cited spans.
  bool grounded(std::string_view needle, const std::vector<citation>& cites) const {
    const std::string want = collapse(needle);
    for (const auto& c : cites) {
      const std::string& t = pages_.at({c.source_id, c.page})->text;
      const std::size_t b = utf8::byte_offset(t, c.start), e = utf8::byte_offset(t, c.end);
      if (collapse(std::string_view(t).substr(b, e - b)).find(want) != std::string::npos) return true;
    }
    return false;
  }

 private:
  std::map<std::pair<std::string, int>, const source_page*> pages_;
};

result<const json*> items(const json& content, const char* key) {
  if (!content.is_object()) return failure(errc::invalid_value, "the content is not a JSON object");
  if (!content.contains(key) || !content[key].is_array())
    return failure(errc::invalid_value, std::string("the content has no \"") + key + "\" array");
  if (content[key].empty()) return failure(errc::invalid_value, std::string("\"") + key + "\" is empty");
  for (const auto& item : content[key])
    if (!item.is_object()) return failure(errc::invalid_value, std::string("an entry of \"") + key + "\" is not an object");
  return &content[key];
}

result<void> check_summary(const json& content, const checker& ck) {
  BOOST_OUTCOME_TRY(md, ck.str(content, "markdown", "the summary"));
  (void)md;
  BOOST_OUTCOME_TRY(list, items(content, "sentences"));
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string where = "sentence " + std::to_string(i + 1);
    BOOST_OUTCOME_TRY(text, ck.str((*list)[i], "text", where));
    BOOST_OUTCOME_TRY(cites, ck.citations((*list)[i], where));
    (void)text;
    (void)cites;
  }
  return success();
}

result<void> check_flashcards(const json& content, const checker& ck, grounding g) {
  BOOST_OUTCOME_TRY(list, items(content, "cards"));
  std::set<std::string> fronts;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json& card = (*list)[i];
    const std::string where = "card " + std::to_string(i + 1);
    BOOST_OUTCOME_TRY(front, ck.str(card, "front", where));
    BOOST_OUTCOME_TRY(back, ck.str(card, "back", where));
    BOOST_OUTCOME_TRY(cites, ck.citations(card, where));
    if (!fronts.insert(text::lower(collapse(front))).second)
      return failure(errc::invalid_value, where + " repeats the front of an earlier card");
    if (text::lower(collapse(front)).find(text::lower(collapse(back))) != std::string::npos)
      return failure(errc::invalid_value, where + ": its front gives away its back");
    if (g == grounding::verbatim && !ck.grounded(back, cites))
      return failure(errc::invalid_value, where + ": its back is not found in the text it cites");
  }
  return success();
}

// One question with `n_options` options, one of them correct.
result<void> check_choice(const json& q, const checker& ck, grounding g, const std::string& where, std::size_t n_options) {
    BOOST_OUTCOME_TRY(question, ck.str(q, "question", where));
    BOOST_OUTCOME_TRY(explanation, ck.str(q, "explanation", where));
    (void)question;
    (void)explanation;
    if (!q.contains("options") || !q["options"].is_array() || q["options"].size() != n_options)
      return failure(errc::invalid_value, where + " does not have exactly " + std::to_string(n_options) + " options");
    std::set<std::string> seen;
    for (std::size_t k = 0; k < n_options; ++k) {
      const json& o = q["options"][k];
      if (!o.is_string() || collapse(o.get_ref<const std::string&>()).empty())
        return failure(errc::invalid_value, where + ": option " + std::to_string(k + 1) + " is not a non-empty string");
      if (!seen.insert(text::lower(collapse(o.get_ref<const std::string&>()))).second)
        return failure(errc::invalid_value, where + ": option " + std::to_string(k + 1) + " repeats another option");
    }
    if (!q.contains("answer_index") || !q["answer_index"].is_number_integer())
      return failure(errc::invalid_value, where + " has no integer answer_index");
    const auto answer = q["answer_index"].get<std::int64_t>();
    if (answer < 0 || answer >= static_cast<std::int64_t>(n_options))
      return failure(errc::invalid_value, where + ": answer_index " + std::to_string(answer) + " is out of range");
    BOOST_OUTCOME_TRY(cites, ck.citations(q, where));
    if (g == grounding::verbatim && n_options == 4 &&
        !ck.grounded(q["options"][static_cast<std::size_t>(answer)].get_ref<const std::string&>(), cites))
      return failure(errc::invalid_value, where + ": the correct option is not found in the text it cites");
    return success();
}

result<void> check_quiz(const json& content, const checker& ck, grounding g) {
  BOOST_OUTCOME_TRY(list, items(content, "questions"));
  for (std::size_t i = 0; i < list->size(); ++i) {
    BOOST_OUTCOME_TRYV(check_choice((*list)[i], ck, g, "question " + std::to_string(i + 1), 4));
  }
  return success();
}

// Mixed kinds: multiple choice (4 options), true/false (the options "True" and "False"),
// short answer (no options, an "answer" string).
result<void> check_practice_test(const json& content, const checker& ck, grounding g) {
  BOOST_OUTCOME_TRY(list, items(content, "questions"));
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json& q = (*list)[i];
    const std::string where = "question " + std::to_string(i + 1);
    BOOST_OUTCOME_TRY(kind, ck.str(q, "kind", where));
    if (kind == "multiple_choice") {
      BOOST_OUTCOME_TRYV(check_choice(q, ck, g, where, 4));
    } else if (kind == "true_false") {
      BOOST_OUTCOME_TRYV(check_choice(q, ck, g, where, 2));
      if (q["options"][0] != "True" || q["options"][1] != "False")
        return failure(errc::invalid_value, where + ": a true/false question's options are True and False");
    } else if (kind == "short_answer") {
      BOOST_OUTCOME_TRY(question, ck.str(q, "question", where));
      BOOST_OUTCOME_TRY(answer, ck.str(q, "answer", where));
      BOOST_OUTCOME_TRY(cites, ck.citations(q, where));
      (void)question;
      if (g == grounding::verbatim && !ck.grounded(answer, cites))
        return failure(errc::invalid_value, where + ": its answer is not found in the text it cites");
    } else {
      return failure(errc::invalid_value, where + ": unknown kind \"" + kind + "\"");
    }
  }
  return success();
}

result<void> check_notes(const json& content, const checker& ck) {
  BOOST_OUTCOME_TRY(list, items(content, "topics"));
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string where = "topic " + std::to_string(i + 1);
    BOOST_OUTCOME_TRY(title, ck.str((*list)[i], "title", where));
    BOOST_OUTCOME_TRY(markdown, ck.str((*list)[i], "markdown", where));
    BOOST_OUTCOME_TRY(cites, ck.citations((*list)[i], where));
    (void)title;
    (void)markdown;
    (void)cites;
  }
  return success();
}

result<void> check_outline(const json& content, const checker& ck) {
  BOOST_OUTCOME_TRY(list, items(content, "chapters"));
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json& ch = (*list)[i];
    const std::string where = "chapter " + std::to_string(i + 1);
    BOOST_OUTCOME_TRY(title, ck.str(ch, "title", where));
    (void)title;
    if (!ch.contains("topics") || !ch["topics"].is_array())
      return failure(errc::invalid_value, where + " has no \"topics\" array");
    for (std::size_t k = 0; k < ch["topics"].size(); ++k) {
      const json& t = ch["topics"][k];
      if (!t.is_object()) return failure(errc::invalid_value, where + ": topic " + std::to_string(k + 1) + " is not an object");
      BOOST_OUTCOME_TRY(ttitle, ck.str(t, "title", where + " topic " + std::to_string(k + 1)));
      (void)ttitle;
    }
  }
  return success();
}

}  // namespace

result<void> validate(material_type type, const nlohmann::json& content, const corpus& input, grounding g) {
  const checker ck(input);
  switch (type) {
    case material_type::summary: return check_summary(content, ck);
    case material_type::flashcards: return check_flashcards(content, ck, g);
    case material_type::quiz: return check_quiz(content, ck, g);
    case material_type::outline: return check_outline(content, ck);
    case material_type::notes: return check_notes(content, ck);
    case material_type::practice_test: return check_practice_test(content, ck, g);
  }
  return failure(errc::invalid_value, "unknown material type");
}

const char* items_key(material_type type) {
  switch (type) {
    case material_type::summary: return "sentences";
    case material_type::flashcards: return "cards";
    case material_type::quiz:
    case material_type::practice_test: return "questions";
    case material_type::outline: return "chapters";
    case material_type::notes: return "topics";
  }
  return "items";
}

nlohmann::json keep_valid_items(material_type type, const nlohmann::json& content, const corpus& input, grounding g,
                                int& dropped) {
  dropped = 0;
  const char* key = items_key(type);
  if (!content.is_object() || !content.contains(key) || !content[key].is_array()) return content;
  nlohmann::json out = content;
  out[key] = nlohmann::json::array();
  const nlohmann::json base = out;
  for (const auto& item : content[key]) {
    nlohmann::json one = base;
    one[key].push_back(item);
    // Duplicates are judged against the items kept so far.
    nlohmann::json with_kept = out;
    with_kept[key].push_back(item);
    if (validate(type, one, input, g) && validate(type, with_kept, input, g)) out[key].push_back(item);
    else ++dropped;
  }
  return out;
}

}  // namespace sf::gen
