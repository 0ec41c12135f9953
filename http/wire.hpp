#pragma once
// JSON shapes of the API contract (docs/api.md), built from storage records.
#include <nlohmann/json.hpp>

#include "storage/records.hpp"

namespace sf::http {

nlohmann::json to_json(const storage::course_record& c);
nlohmann::json to_json(const storage::source_record& s);
nlohmann::json to_json(const storage::material_record& m);
nlohmann::json to_json(const storage::job_record& j);
nlohmann::json error_json(const std::string& code, const std::string& message, const std::string& request_id);

}  // namespace sf::http
