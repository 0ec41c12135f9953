#include "generate/model_material.hpp"

#include "common/json_depth.hpp"
#include "generate/citation.hpp"
#include "generate/grounding.hpp"

namespace sf::gen {
namespace {

using json = nlohmann::json;

constexpr std::size_t max_reply_items = 500;

json str() { return {{"type", "string"}}; }
json integer() { return {{"type", "integer"}}; }
json array_of(json items) { return {{"type", "array"}, {"items", std::move(items)}}; }

// Strict structured output wants every property required and nothing else allowed.
json object(std::vector<std::pair<std::string, json>> props) {
  json properties = json::object(), required = json::array();
  for (auto& [k, v] : props) {
    properties[k] = std::move(v);
    required.push_back(k);
  }
  return {{"type", "object"}, {"properties", properties}, {"required", required}, {"additionalProperties", false}};
}

json grounded(std::vector<std::pair<std::string, json>> props) {
  props.emplace_back("quote", str());
  props.emplace_back("page", integer());
  return object(std::move(props));
}

json question_schema(bool mixed) {
  std::vector<std::pair<std::string, json>> p{{"question", str()}, {"options", array_of(str())},
                                              {"answer_index", integer()}, {"explanation", str()}};
  if (mixed) {
    p.emplace_back("kind", json{{"type", "string"}, {"enum", {"multiple_choice", "true_false", "short_answer"}}});
    p.emplace_back("answer", str());
  }
  return grounded(std::move(p));
}

std::string instructions(material_type type, const options& opts) {
  std::string count = opts.count > 0 ? std::to_string(opts.count) : "about 10";
  std::string what;
  switch (type) {
    case material_type::summary: what = "a summary (markdown) and its key sentences"; break;
    case material_type::outline: what = "a course outline: chapters, each with topics"; break;
    case material_type::notes: what = count + " topic notes in markdown: explanation, key points, an example, review questions"; break;
    case material_type::flashcards: what = count + " flashcards (front: a question or term; back: the answer)"; break;
    case material_type::quiz: what = count + " multiple-choice questions with 4 options and exactly one correct"; break;
    case material_type::practice_test:
      what = count + " practice-test questions of mixed kinds: multiple_choice (4 options), true_false (options "
                     "[\"True\",\"False\"]) and short_answer (no options, answer_index -1, the answer in \"answer\")";
      break;
  }
  std::string s = "You write study material for a student from the course text given, and from nothing else. Write " +
                  what + ". For every item give \"quote\": one sentence copied exactly, character for character, from "
                  "the text that supports it, and \"page\": the page number shown before that text. Items you cannot "
                  "support with a quote must be left out. Answer only with JSON matching the schema.";
  if (!opts.difficulty.empty()) s += " Difficulty: " + opts.difficulty + ".";
  if (!opts.language.empty()) s += " Write in the language with code '" + opts.language + "'.";
  if (!opts.topic.empty()) s += " Focus on: " + opts.topic + ".";
  return s;
}

std::string page_labelled(const corpus& context) {
  std::string out;
  for (const auto& p : context.pages) out += "[page " + std::to_string(p.page) + "]\n" + p.text + "\n\n";
  return out;
}

// The model's item with "quote" and "page" replaced by a citation; nullopt when ungrounded.
std::optional<json> ground_item(json item, const corpus& input) {
  if (!item.is_object() || !item.contains("quote") || !item["quote"].is_string()) return std::nullopt;
  int page = item.value("page", 0);
  auto c = locate_quote(input, item["quote"].get<std::string>(), page);
  if (!c) return std::nullopt;
  item.erase("quote");
  item.erase("page");
  item["citations"] = json::array({to_json(*c)});
  return item;
}

}  // namespace

std::string answer_schema(material_type type) {
  json s;
  switch (type) {
    case material_type::summary:
      s = object({{"markdown", str()}, {"sentences", array_of(grounded({{"text", str()}}))}});
      break;
    case material_type::outline:
      s = object({{"chapters", array_of(object({{"title", str()}, {"topics", array_of(object({{"title", str()}}))}}))}});
      break;
    case material_type::notes:
      s = object({{"topics", array_of(grounded({{"title", str()}, {"markdown", str()}}))}});
      break;
    case material_type::flashcards:
      s = object({{"cards", array_of(grounded({{"front", str()}, {"back", str()}}))}});
      break;
    case material_type::quiz: s = object({{"questions", array_of(question_schema(false))}}); break;
    case material_type::practice_test: s = object({{"questions", array_of(question_schema(true))}}); break;
  }
  return s.dump();
}

chat_request material_request(material_type type, const corpus& context, const options& opts) {
  chat_request r;
  r.schema_name = std::string(to_string(type));
  r.json_schema = answer_schema(type);
  r.messages.push_back({"system", instructions(type, opts)});
  r.messages.push_back({"user", "Course: " + context.title + "\n\n" + page_labelled(context)});
  return r;
}

namespace {

// PostgreSQL's jsonb refuses U+0000 in strings; a model may still write it.
void drop_nul(json& j) {
  if (j.is_string()) std::erase(j.get_ref<std::string&>(), '\0');
  else if (j.is_structured())
    for (auto& v : j) drop_nul(v);
}

result<model_content> read_material(material_type type, const json& j, const corpus& input, const options& opts);

}  // namespace

result<model_content> material_from_reply(material_type type, const std::string& reply, const corpus& input,
                                          const options& opts) {
  // Deeper than any material: copying or walking it would recurse once per level.
  if (json_depth(reply) > 16) return failure(errc::transient, "malformed: the model's answer is nested too deeply");
  auto j = json::parse(reply, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return failure(errc::transient, "malformed: the model's answer is not a JSON object");
  drop_nul(j);
  try {
    return read_material(type, j, input, opts);
  } catch (const json::exception&) {  // a field of the wrong type
    return failure(errc::transient, "malformed: the model's answer has fields of the wrong types");
  }
}

namespace {

result<model_content> read_material(material_type type, const json& j, const corpus& input, const options& opts) {
  const char* key = items_key(type);
  if (!j.contains(key) || !j[key].is_array()) return failure(errc::transient, std::string("malformed: the answer has no \"") + key + "\" list");
  model_content out;
  // An answer is judged on its first items only, far more than any material asks for (200 at
  // most): grounding and checking them costs work that grows faster than their count.
  const auto& items = j[key];
  const auto considered = std::min(items.size(), max_reply_items);
  out.dropped = static_cast<int>(items.size() - considered);
  json content = j;
  content[key] = json::array();
  for (std::size_t i = 0; i < considered; ++i) {
    if (type == material_type::outline) content[key].push_back(items[i]);
    else if (auto g = ground_item(items[i], input)) content[key].push_back(std::move(*g));
    else ++out.dropped;
  }
  if (type == material_type::practice_test)
    for (auto& q : content[key])
      if (q.value("kind", "") == "short_answer") q["options"] = json::array();
  int invalid = 0;
  out.content = keep_valid_items(type, content, input, grounding::cited, invalid);
  out.dropped += invalid;
  std::size_t kept = out.content[key].size(), asked = j[key].size();
  std::size_t wanted = opts.count > 0 ? static_cast<std::size_t>(opts.count) : std::max<std::size_t>(asked, 1);
  // Fewer than half of what was wanted, or nothing at all, is junk rather than material.
  if (kept == 0 || kept * 2 < std::min(wanted, asked))
    return failure(errc::invalid_value, "the model's answer had " + std::to_string(kept) + " usable items of " +
                                            std::to_string(asked) + " (the others cited no text or failed checks)");
  return out;
}

}  // namespace

}  // namespace sf::gen

namespace sf::gen {

chat_request topic_outline_request(const std::string& topic, const options& opts) {
  chat_request r;
  r.schema_name = "outline";
  r.json_schema = answer_schema(material_type::outline);
  std::string system = "You plan a course for a student. Write an outline of 4 to 8 chapters, each with 2 to 5 "
                       "topics, that takes a beginner through the subject in a sensible order. Answer only with JSON "
                       "matching the schema.";
  if (!opts.language.empty()) system += " Write in the language with code '" + opts.language + "'.";
  if (!opts.difficulty.empty()) system += " Level: " + opts.difficulty + ".";
  r.messages.push_back({"system", system});
  r.messages.push_back({"user", "Subject: " + topic});
  return r;
}

std::optional<nlohmann::json> outline_from_reply(const std::string& reply) {
  auto j = nlohmann::json::parse(reply, nullptr, false);
  if (!j.is_object() || !j.contains("chapters") || !j["chapters"].is_array() || j["chapters"].empty()) return std::nullopt;
  nlohmann::json chapters = nlohmann::json::array();
  for (const auto& ch : j["chapters"]) {
    if (!ch.is_object() || !ch.contains("title") || !ch["title"].is_string() || ch["title"].get<std::string>().empty())
      continue;
    nlohmann::json topics = nlohmann::json::array();
    for (const auto& t : ch.value("topics", nlohmann::json::array()))
      if (t.is_object() && t.contains("title") && t["title"].is_string() && !t["title"].get<std::string>().empty())
        topics.push_back({{"title", t["title"]}});
    chapters.push_back({{"title", ch["title"]}, {"topics", topics}});
  }
  if (chapters.size() < 2) return std::nullopt;
  return nlohmann::json{{"chapters", chapters}};
}

nlohmann::json manual_outline(const std::string& topic, const options& opts) {
  bool de = opts.language.rfind("de", 0) == 0;
  auto t = [&](const char* en, const char* german) { return std::string(de ? german : en); };
  auto chapter = [&](std::string title, std::vector<std::string> topics) {
    nlohmann::json list = nlohmann::json::array();
    for (auto& s : topics) list.push_back({{"title", s}});
    return nlohmann::json{{"title", std::move(title)}, {"topics", list}};
  };
  return {{"manual", true},
          {"note", t("A general plan made without a model or sources; upload material to get an outline of its own.",
                     "Ein allgemeiner Plan ohne Modell und ohne Quellen; laden Sie Material hoch, um eine eigene Gliederung zu erhalten.")},
          {"chapters",
           {chapter(t("Introduction to ", "Einführung in ") + topic,
                    {t("What it is and why it matters", "Worum es geht und warum"), t("Key vocabulary", "Grundbegriffe")}),
            chapter(t("Core concepts", "Kernkonzepte"),
                    {t("The main ideas", "Die zentralen Ideen"), t("How they connect", "Wie sie zusammenhängen")}),
            chapter(t("Methods and worked examples", "Methoden und Beispiele"),
                    {t("Step-by-step examples", "Beispiele Schritt für Schritt"), t("Common mistakes", "Häufige Fehler")}),
            chapter(t("Practice", "Übung"), {t("Exercises", "Aufgaben"), t("Self-check questions", "Fragen zur Selbstkontrolle")}),
            chapter(t("Review", "Wiederholung"), {t("Summary", "Zusammenfassung"), t("Where to go next", "Wie es weitergeht")})}}};
}

}  // namespace sf::gen
