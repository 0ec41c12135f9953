#include "pipeline/rules.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace sf::pipeline {
namespace {

using edge = std::pair<std::string_view, std::string_view>;

template <std::size_t N>
bool has_edge(const std::array<edge, N>& edges, std::string_view from, std::string_view to) {
  return std::find(edges.begin(), edges.end(), edge{from, to}) != edges.end();
}

constexpr std::array<edge, 12> course_edges{{
    {"pending", "ready"},  // a course from a topic alone, whose outline was all it asked for
    {"pending", "processing"}, {"processing", "ready"}, {"processing", "rejected"}, {"processing", "failed"},
    {"failed", "processing"},  {"ready", "pending"},    {"rejected", "pending"},    {"failed", "pending"},
    {"pending", "rejected"},   {"ready", "processing"},
    {"pending", "failed"},  // its only source's job was cancelled before it started
}};

constexpr std::array<edge, 10> job_edges{{
    {"queued", "running"},   {"running", "succeeded"}, {"running", "failed"},   {"running", "cancelled"},
    {"running", "retrying"}, {"retrying", "running"},  {"queued", "cancelled"}, {"retrying", "cancelled"},
    {"failed", "queued"},    {"retrying", "failed"},
}};

constexpr std::array<edge, 4> material_edges{{
    {"generating", "completed"}, {"generating", "failed"}, {"failed", "generating"}, {"completed", "generating"},
}};

}  // namespace

bool course_transition_allowed(std::string_view from, std::string_view to) { return has_edge(course_edges, from, to); }
bool job_transition_allowed(std::string_view from, std::string_view to) { return has_edge(job_edges, from, to); }
bool material_transition_allowed(std::string_view from, std::string_view to) { return has_edge(material_edges, from, to); }

bool job_is_terminal(std::string_view status) {
  return status == "succeeded" || status == "failed" || status == "cancelled";
}

bool job_kind_has_course(std::string_view kind) { return kind != "probe"; }

int extraction_progress(std::string_view kind, int job_progress) {
  int p = std::clamp(job_progress, 0, 100);
  return kind == "ocr" ? 20 + p * 30 / 100 : p * 20 / 100;
}

int generation_progress(int materials_done, int materials_requested) {
  if (materials_requested <= 0) return 100;
  return 50 + std::clamp(materials_done * 50 / materials_requested, 0, 50);
}

course_verdict judge_materials(const std::vector<std::string>& requested, const std::vector<material_state>& have) {
  int done = 0;
  bool pending = false;
  std::string failed;
  for (const auto& type : requested) {
    auto it = std::find_if(have.begin(), have.end(), [&](const material_state& m) { return m.type == type; });
    if (it == have.end() || it->status == "generating") pending = true;
    else if (it->status == "completed") ++done;
    else failed += (failed.empty() ? "" : ", ") + type;
  }
  int progress = generation_progress(done, static_cast<int>(requested.size()));
  if (pending) return {"processing", std::min(progress, 99), ""};
  if (!failed.empty()) return {"failed", progress, "generation failed for: " + failed};
  return {"ready", 100, ""};
}

int backoff_seconds(const std::vector<int>& schedule, int next_attempt, int max_attempts) {
  int place = next_attempt - std::max(0, max_attempts - static_cast<int>(schedule.size()));
  if (schedule.empty() || place < 1) return 0;
  auto i = static_cast<std::size_t>(std::min<int>(place, static_cast<int>(schedule.size())) - 1);
  return schedule[i];
}

}  // namespace sf::pipeline
