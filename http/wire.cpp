#include "http/wire.hpp"

namespace sf::http {
namespace {

template <class T>
nlohmann::json opt(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json to_json(const storage::source_record& s) {
  return {{"id", s.id},
          {"filename", s.filename},
          {"media_type", s.media_type},
          {"sha256", s.sha256},
          {"bytes", s.bytes},
          {"pages", opt(s.pages)},
          {"status", s.status},
          {"reject_reason", opt(s.reject_reason)},
          {"extraction",
           {{"native_pages", s.native_pages}, {"ocr_pages", s.ocr_pages}, {"mean_ocr_confidence", opt(s.mean_ocr_confidence)}}},
          {"created_at", s.created_at}};
}

nlohmann::json to_json(const storage::course_record& c) {
  auto sources = nlohmann::json::array();
  for (const auto& s : c.sources) sources.push_back(to_json(s));
  auto materials = nlohmann::json::array();
  for (const auto& m : c.materials) materials.push_back({{"type", m.type}, {"status", m.status}});
  return {{"id", c.id},
          {"title", c.title},
          {"topic", opt(c.topic)},
          {"difficulty", opt(c.difficulty)},
          {"language", opt(c.language)},
          {"materials_requested", c.materials_requested},
          {"status", c.status},
          {"progress", c.progress},
          {"current_step", opt(c.current_step)},
          {"error", opt(c.error)},
          {"reject_reason", opt(c.reject_reason)},
          {"sources", sources},
          {"materials", materials},
          {"event_seq", c.event_seq},
          {"created_at", c.created_at},
          {"updated_at", c.updated_at}};
}

nlohmann::json to_json(const storage::material_record& m) {
  nlohmann::json content = nullptr;
  if (m.content_json) content = nlohmann::json::parse(*m.content_json, nullptr, false);
  return {{"id", m.id},
          {"type", m.type},
          {"status", m.status},
          {"content", content},
          {"provider", opt(m.provider)},
          {"retry_count", m.retry_count},
          {"error", opt(m.error)},
          {"job_id", opt(m.job_id)},
          {"updated_at", m.updated_at}};
}

nlohmann::json to_json(const storage::job_record& j) {
  return {{"job_id", j.id},
          {"kind", j.kind},
          {"lane", j.lane},
          {"status", j.status},
          {"attempt", j.attempt},
          {"max_attempts", j.max_attempts},
          {"progress", j.progress},
          {"current_step", opt(j.current_step)},
          {"error", opt(j.error)},
          {"course_id", opt(j.course_id)},
          {"owner_id", j.owner_id},
          {"node_id", opt(j.node_id)},
          {"created_at", j.created_at},
          {"started_at", opt(j.started_at)},
          {"completed_at", opt(j.completed_at)}};
}

nlohmann::json error_json(const std::string& code, const std::string& message, const std::string& request_id) {
  return {{"error", {{"code", code}, {"message", message}, {"request_id", request_id}}}};
}

}  // namespace sf::http
