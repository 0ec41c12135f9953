#pragma once
// The one place that decides what a request for a material does (idempotent, as the API
// promises): completed -> returned; generating -> the same job; failed -> same row again;
// none -> a new row and job. Used by the REST route and by the extraction follow-up.
#include <optional>
#include <pqxx/types.hxx>
#include <string>

#include "config/settings.hpp"
#include "pipeline/journal.hpp"
#include "storage/records.hpp"

namespace sf::pipeline {

struct material_request {
  std::string owner_id;
  std::string course_id;
  std::string type;
  std::string options_json = "{}";
  bool refresh_completed = false;  // regenerate a completed one (a new source arrived)
};

struct material_outcome {
  storage::material_record material;
  std::optional<std::string> job_id;  // the job that is (or will be) generating it
  bool created_job = false;
};

material_outcome request_material_in(pqxx::transaction_base& tx, journal& j, const config::settings& cfg,
                                     const material_request& req, int course_progress);

}  // namespace sf::pipeline
