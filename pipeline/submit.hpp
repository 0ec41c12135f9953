#pragma once
// Entry points of the REST layer that create work. Commit first, publish second: a crash
// between the two leaves a `queued` row that the sweep republishes (deduplicated by job id),
// so a job is never lost and never doubled. A publish that fails outright marks the job
// failed and answers `unavailable`, so nothing claims to be queued.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "pipeline/materials.hpp"
#include "pipeline/services.hpp"
#include "storage/courses.hpp"

namespace sf::pipeline {

struct upload {
  std::string owner_id;
  std::string course_id;
  std::string filename;
  std::filesystem::path file;  // received bytes, in the blob store's temp area
};

struct submitted_source {
  std::string source_id;
  std::string job_id;
};

// Errors: not_found (course), unsupported_media (with the detected type), too_large,
// unavailable (database or NATS down).
result<submitted_source> submit_source(services& s, const upload& u);

// A new course; one with a topic gets its outline drafted at once (before any source).
result<storage::course_record> submit_course(services& s, const storage::new_course& c);

// Errors: not_found, conflict (no extracted text yet), unavailable.
result<material_outcome> submit_material(services& s, const material_request& req);

// A probe job (see run_probe) on `lane`: `done` gets its id once it is made and queued
// (with others submitted meanwhile, maybe on another thread). Errors: unavailable.
void submit_probe(services& s, const std::string& owner_id, const std::string& lane, const std::string& payload_json,
                  std::function<void(result<std::string>)> done);

}  // namespace sf::pipeline
