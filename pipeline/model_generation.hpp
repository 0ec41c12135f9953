#pragma once
// Material from the configured model providers, through the semantic cache and retrieval.
#include <map>
#include <string>

#include "generate/material.hpp"
#include "pipeline/jobs.hpp"
#include "pipeline/services.hpp"

namespace sf::pipeline {

struct course_text {
  gen::corpus pages;                              // every extracted page of the course
  std::map<std::string, std::string> sha_of;      // source id -> file content (sha256)
};

// Retrieval picks the chunks the prompt carries; the cache answers repeated requests without a
// model call (and a near match answers when every provider fails); grounding ties each item
// to the course's pages. Errors: transient (providers down, malformed answers), invalid_value.
result<job_effect> generate_with_model(services& s, const std::string& owner_id, gen::material_type type,
                                       const gen::options& opts, const course_text& text, job_context& ctx);

}  // namespace sf::pipeline
