#pragma once
// The state machines of courses, jobs and materials, and the progress they report.
// Pure functions: every writer asks these before it writes a transition.
//
//   course:   pending -> processing -> ready | rejected(reason) | failed(error)
//             pending -> ready (a topic-only course whose requested outline is done)
//             failed -> processing (retry); ready|rejected|failed -> pending (new source)
//   job:      queued -> running -> succeeded | failed | cancelled
//             running -> retrying -> running; queued|retrying -> cancelled; failed -> queued (retry)
//   material: generating -> completed | failed; failed -> generating (retry);
//             completed -> generating (a new source was extracted)
#include <string>
#include <string_view>
#include <vector>

namespace sf::pipeline {

bool course_transition_allowed(std::string_view from, std::string_view to);
bool job_transition_allowed(std::string_view from, std::string_view to);
bool material_transition_allowed(std::string_view from, std::string_view to);
bool job_is_terminal(std::string_view status);
// Every job kind works for a course but `probe`, an operator's check of the runtime.
bool job_kind_has_course(std::string_view kind);

// Extraction fills the first half of a course's progress, generation the second. The native
// pass (kind "extract") takes 0..20 and OCR ("ocr") 20..50, as OCR is where the time goes.
int extraction_progress(std::string_view kind, int job_progress);
int generation_progress(int materials_done, int materials_requested);

struct material_state {
  std::string type;
  std::string status;
};
struct course_verdict {
  std::string status;  // processing | ready | failed
  int progress = 0;
  std::string error;   // for failed: which materials failed
};
// Where a course stands once its requested materials have these states.
course_verdict judge_materials(const std::vector<std::string>& requested, const std::vector<material_state>& have);

// How long to wait before attempt `next_attempt` (1-based) of a job allowed `max_attempts`,
// given its kind's schedule. Attempts come in sets as long as the schedule, the last of them
// ending at `max_attempts` (a retry by hand adds a set after the attempts used): each set
// follows the schedule from its start.
int backoff_seconds(const std::vector<int>& schedule, int next_attempt, int max_attempts);

}  // namespace sf::pipeline
