#pragma once
// Operator and user control of jobs: cancel and retry, from any node.
#include <string>

#include "pipeline/services.hpp"

namespace sf::pipeline {

// Every node listens on the bus's control("cancel") subject; the payload is a job id.

// "cancelled" when the job had not started (it is skipped on delivery), "cancelling" when it
// runs (it stops at its next checkpoint). Errors: not_found; conflict when it already ended.
// `owner_id` empty means an admin, who may cancel any job.
result<std::string> cancel_job(services& s, const std::string& owner_id, const std::string& job_id);

// A failed job runs again (a fresh set of attempts). Errors: not_found; conflict unless failed.
result<void> retry_job(services& s, const std::string& owner_id, const std::string& job_id);

}  // namespace sf::pipeline
