#include <catch2/catch.hpp>

#include "pipeline/rules.hpp"

using namespace sf::pipeline;

TEST_CASE("course transitions follow the state machine") {
  CHECK(course_transition_allowed("pending", "processing"));
  CHECK(course_transition_allowed("processing", "ready"));
  CHECK(course_transition_allowed("processing", "rejected"));
  CHECK(course_transition_allowed("failed", "processing"));
  CHECK_FALSE(course_transition_allowed("ready", "failed"));
  CHECK_FALSE(course_transition_allowed("rejected", "ready"));
  CHECK(course_transition_allowed("pending", "ready"));  // a topic-only course's outline
  CHECK(course_transition_allowed("pending", "failed"));  // its only source's job cancelled while queued
  CHECK_FALSE(course_transition_allowed("failed", "ready"));  // through processing, when made again
}

TEST_CASE("job transitions follow the state machine, terminal states are final") {
  CHECK(job_transition_allowed("queued", "running"));
  CHECK(job_transition_allowed("running", "retrying"));
  CHECK(job_transition_allowed("retrying", "running"));
  CHECK(job_transition_allowed("queued", "cancelled"));
  CHECK_FALSE(job_transition_allowed("succeeded", "running"));
  CHECK_FALSE(job_transition_allowed("cancelled", "queued"));
  CHECK(job_is_terminal("succeeded"));
  CHECK(job_is_terminal("failed"));
  CHECK_FALSE(job_is_terminal("retrying"));
}

TEST_CASE("material transitions follow the state machine") {
  CHECK(material_transition_allowed("generating", "completed"));
  CHECK(material_transition_allowed("failed", "generating"));
  CHECK_FALSE(material_transition_allowed("completed", "failed"));
}

TEST_CASE("a course is judged by its requested materials") {
  std::vector<std::string> requested{"summary", "flashcards", "quiz"};
  auto pending = judge_materials(requested, {{"summary", "completed"}, {"flashcards", "generating"}});
  CHECK(pending.status == "processing");
  CHECK(pending.progress == 66);

  auto ready = judge_materials(requested, {{"summary", "completed"}, {"flashcards", "completed"}, {"quiz", "completed"}});
  CHECK(ready.status == "ready");
  CHECK(ready.progress == 100);

  auto failed = judge_materials(requested, {{"summary", "completed"}, {"flashcards", "failed"}, {"quiz", "completed"}});
  CHECK(failed.status == "failed");
  CHECK(failed.error.find("flashcards") != std::string::npos);

  // Materials nobody asked for do not hold the course back.
  auto extra = judge_materials({"summary"}, {{"summary", "completed"}, {"notes", "generating"}});
  CHECK(extra.status == "ready");
}

TEST_CASE("progress: extraction is the first half, generation the second") {
  CHECK(extraction_progress("extract", 0) == 0);
  CHECK(extraction_progress("extract", 100) == 20);
  CHECK(extraction_progress("ocr", 0) == 20);
  CHECK(extraction_progress("ocr", 50) == 35);
  CHECK(extraction_progress("ocr", 100) == 50);
  CHECK(extraction_progress("ocr", 250) == 50);
  CHECK(generation_progress(0, 3) == 50);
  CHECK(generation_progress(3, 3) == 100);
}

TEST_CASE("backoff follows the kind's schedule and stays at its last step") {
  const std::vector<int> schedule{0, 30, 60};
  CHECK(backoff_seconds(schedule, 1, 3) == 0);
  CHECK(backoff_seconds(schedule, 2, 3) == 30);
  CHECK(backoff_seconds(schedule, 3, 3) == 60);
  CHECK(backoff_seconds(schedule, 9, 3) == 60);
  CHECK(backoff_seconds({}, 2, 3) == 0);
}

TEST_CASE("a job retried by hand follows the schedule again from its start") {
  const std::vector<int> schedule{0, 30, 60};
  // Three attempts used, then a retry by hand allows three more: attempts 4 to 6.
  CHECK(backoff_seconds(schedule, 4, 6) == 0);
  CHECK(backoff_seconds(schedule, 5, 6) == 30);
  CHECK(backoff_seconds(schedule, 6, 6) == 60);
}
