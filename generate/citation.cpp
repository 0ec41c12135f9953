#include "generate/citation.hpp"

#include <cstdint>
#include <limits>
#include <string>

namespace sf::gen {

citation cite(const document& doc, const sentence& s) {
  const auto& page = doc.source->pages[s.page];
  return citation{page.source_id, page.page, s.cp_begin, s.cp_end};
}

nlohmann::json to_json(const citation& c) {
  return {{"source_id", c.source_id}, {"page", c.page}, {"start", c.start}, {"end", c.end}};
}

nlohmann::json citations_of(const document& doc, const sentence& s) {
  return nlohmann::json::array({to_json(cite(doc, s))});
}

result<citation> citation_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return failure(errc::invalid_value, "a citation is not an object");
  if (!j.contains("source_id") || !j["source_id"].is_string() || j["source_id"].get_ref<const std::string&>().empty())
    return failure(errc::invalid_value, "a citation has no source_id string");
  for (const char* key : {"page", "start", "end"})
    if (!j.contains(key) || !j[key].is_number_integer())
      return failure(errc::invalid_value, std::string("a citation has no integer \"") + key + "\"");
  const auto page = j["page"].get<std::int64_t>();
  const auto start = j["start"].get<std::int64_t>();
  const auto end = j["end"].get<std::int64_t>();
  if (start < 0 || end < 0) return failure(errc::invalid_value, "a citation has a negative offset");
  if (page < std::numeric_limits<int>::min() || page > std::numeric_limits<int>::max())
    return failure(errc::invalid_value, "a citation's page number is out of range");
  return citation{j["source_id"].get<std::string>(), static_cast<int>(page), static_cast<std::size_t>(start),
                  static_cast<std::size_t>(end)};
}

}  // namespace sf::gen
