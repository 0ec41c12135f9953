// The work of each job kind. Runs on a job actor's own thread, never on a scheduler thread.
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>
#include <thread>

#include "generate/model_material.hpp"
#include "generate/offline.hpp"
#include "generate/provider.hpp"
#include "generate/provider_chain.hpp"
#include "generate/validate.hpp"
#include "ingest/chunking.hpp"
#include "ingest/extract.hpp"
#include "ingest/moderation.hpp"
#include "ingest/transcription.hpp"
#include "pipeline/jobs.hpp"
#include "pipeline/model_generation.hpp"
#include "storage/courses.hpp"
#include "storage/generation.hpp"
#include "storage/materials.hpp"
#include "storage/sources.hpp"

namespace sf::pipeline {
namespace {

ingest::moderation_rules moderation_rules(const config::settings& c) {
  return {static_cast<std::size_t>(c.moderation_min_chars), static_cast<double>(c.moderation_min_ocr_confidence),
          c.blocked_terms};
}

std::vector<storage::chunk_record> chunk_records(const ingest::document_text& d) {
  std::vector<storage::chunk_record> out;
  for (auto& c : ingest::make_chunks(d))
    out.push_back({c.ordinal, c.page_start, c.page_end, c.heading, c.text});
  return out;
}

// The built-in rules, then the configured moderation service. A failing service fails the
// attempt (retried later): unchecked material never goes on to generation.
result<std::optional<std::string>> moderation_gate(services& s, const ingest::document_text& doc) {
  if (auto reason = ingest::moderate(doc, moderation_rules(s.cfg))) return reason;
  if (!s.moderation) return std::optional<std::string>{};
  constexpr std::size_t piece_bytes = 8000, per_request = 16;
  auto pieces = ingest::moderation_pieces(doc, piece_bytes, static_cast<std::size_t>(s.cfg.moderation_max_pieces));
  for (std::size_t at = 0; at < pieces.size(); at += per_request) {
    std::vector<std::string> batch(pieces.begin() + static_cast<std::ptrdiff_t>(at),
                                   pieces.begin() + static_cast<std::ptrdiff_t>(std::min(at + per_request, pieces.size())));
    auto verdict = s.moderation->check(batch);
    if (!verdict) {
      bool permanent = verdict.error().kind == gen::provider_failure::rejected;
      return failure(permanent ? errc::invalid_value : errc::transient, "moderation: " + verdict.error().message);
    }
    if (!verdict.value().flagged) continue;
    std::string categories;
    for (const auto& c : verdict.value().categories) categories += (categories.empty() ? "" : ", ") + c;
    return std::optional<std::string>("flagged: the moderation service flagged this material" +
                                      (categories.empty() ? std::string() : " (" + categories + ")"));
  }
  return std::optional<std::string>{};
}

// A configured transcription service as the video reader's hook; when it fails the reader
// falls back to pocketsphinx, and the operator hears why.
ingest::transcriber transcription_hook(gen::transcriber* service) {
  if (!service) return {};
  return [service](const std::string& wav, double seconds) -> result<std::vector<ingest::cue>> {
    auto heard = service->transcribe(wav, seconds);
    if (!heard) {
      spdlog::warn("transcription by {} failed ({}); pocketsphinx listens instead", service->name(), heard.error().message);
      return failure(errc::transient, heard.error().message);
    }
    std::vector<ingest::cue> out;
    for (auto& seg : heard.value()) out.push_back({seg.start, seg.end, std::move(seg.text), false});
    return out;
  };
}

ingest::extract_settings extraction_settings(const services& s, bool with_ocr) {
  const auto& c = s.cfg;
  ingest::extract_settings x;
  x.lim.max_pages = c.max_pdf_pages;
  x.lim.max_image_pixels = c.max_image_pixels;
  x.lim.max_page_pixels = c.max_page_pixels;
  x.lim.max_memory_bytes = c.mupdf_memory_bytes;
  x.ocr = {with_ocr, c.ocr_threads, c.ocr_dpi, c.ocr_language};
  x.video.segment_s = c.video_segment_s;
  x.video.frame_interval_s = c.video_frame_interval_s;
  x.video.max_frames = c.video_max_frames;
  x.video.max_duration_s = c.video_max_duration_s;
  x.video.work_dir = (std::filesystem::path(c.data_dir) / "blobs" / "tmp").string();
  x.video.transcribe = transcription_hook(s.transcription);
  x.max_text_bytes = c.max_upload_bytes;
  return x;
}

// `extract` jobs read what has a text layer and hand pages without one to an `ocr` job;
// `ocr` jobs (and images and video from the start) do the expensive part on their own lane.
result<job_effect> run_extraction(services& s, const storage::job_record& job, job_context& ctx) {
  bool with_ocr = job.kind == "ocr";
  storage::source_record source;
  std::optional<storage::extraction_record> cached;
  ingest::document_text stored;
  {
    auto conn = s.db.acquire();
    pqxx::read_transaction tx(*conn);
    auto found = storage::find_source(tx, job.course_id.value_or(""), job.source_id.value_or(""));
    if (!found) return failure(errc::not_found, "the source of this job no longer exists");
    source = *found;
    cached = storage::find_extraction(tx, source.sha256);
    if (cached)
      for (auto& p : storage::load_pages(tx, source.sha256))
        stored.pages.push_back({p.page, p.method, std::move(p.text), p.confidence.value_or(-1), p.start_seconds.value_or(-1)});
  }
  // Same bytes extracted before (by anyone): reuse the stored text, after the moderation gate
  // of today's rules.
  if (cached) {
    ingest::tally(stored);
    BOOST_OUTCOME_TRY(reason, moderation_gate(s, stored));
    if (reason) return job_effect{source_rejected{*reason}};
    // Text extracted before chunking existed gets its chunks now, for retrieval.
    auto conn = s.db.acquire();
    pqxx::work tx(*conn);
    if (!storage::has_chunks(tx, source.sha256)) storage::save_chunks(tx, source.sha256, chunk_records(stored));
    tx.commit();
    return job_effect{extracted{*cached, true}};
  }
  if (!ctx.checkpoint(0, "opening " + source.filename)) return failure(errc::cancelled, "stopped");
  auto doc = ingest::extract_file(s.blobs.path_of(source.sha256).string(), source.media_type,
                                  extraction_settings(s, with_ocr), [&](int done, int total, const char* phase) {
                                    return ctx.checkpoint(done * 100 / std::max(total, 1), std::string(phase) + " " +
                                                                                               std::to_string(done) + "/" +
                                                                                               std::to_string(total));
                                  });
  if (!doc) {
    if (doc.error().code == errc::rejected) return job_effect{source_rejected{doc.error().message}};
    return doc.error();
  }
  if (!doc.value().pages_needing_ocr.empty())
    return job_effect{needs_ocr{static_cast<int>(doc.value().pages_needing_ocr.size())}};
  BOOST_OUTCOME_TRY(reason, moderation_gate(s, doc.value()));
  if (reason) return job_effect{source_rejected{*reason}};

  const auto& d = doc.value();
  storage::extraction_record rec{source.sha256, static_cast<int>(d.pages.size()), d.native_pages, d.ocr_pages, std::nullopt};
  if (d.mean_ocr_confidence >= 0) rec.mean_ocr_confidence = d.mean_ocr_confidence;
  std::vector<storage::page_record> pages;
  pages.reserve(d.pages.size());
  auto opt = [](double v) { return v >= 0 ? std::optional<double>(v) : std::nullopt; };
  for (const auto& p : d.pages) pages.push_back({p.page, p.method, p.text, opt(p.ocr_confidence), opt(p.start_seconds)});
  auto conn = s.db.acquire();
  pqxx::work tx(*conn);
  storage::save_extraction(tx, rec, pages, chunk_records(d));
  tx.commit();
  return job_effect{extracted{rec, false}};
}

// The model's outline for the topic when one is configured and answers usably; otherwise a
// clearly marked manual outline, so the student has a plan and can still add sources.
result<job_effect> outline_from_topic(services& s, const std::string& owner_id, const std::string& topic,
                                      const gen::options& opts) {
  if (s.providers && !s.providers->empty()) {
    auto reply = s.providers->chat(gen::topic_outline_request(topic, opts));
    if (reply) {
      auto conn = s.db.acquire();
      pqxx::nontransaction tx(*conn);
      storage::add_usage(tx, owner_id, reply.value().provider, reply.value().tokens.prompt_tokens,
                         reply.value().tokens.completion_tokens);
      if (auto outline = gen::outline_from_reply(reply.value().text))
        return job_effect{material_ready{outline->dump(), reply.value().provider}};
    }
  }
  return job_effect{material_ready{gen::manual_outline(topic, opts).dump(), "manual"}};
}

// The request's options; the course's difficulty and language where the request names none.
gen::options read_options(const std::string& options_json, gen::material_type type, const config::settings& cfg,
                          const storage::course_record& course) {
  gen::options o;
  auto j = nlohmann::json::parse(options_json, nullptr, false);
  if (j.is_object()) {  // checked when requested; a value of another type (an older row) is ignored
    auto text = [&](const char* key) { return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : ""; };
    o.count = j.contains("count") && j["count"].is_number_integer() ? j["count"].get<int>() : 0;
    o.difficulty = text("difficulty");
    o.language = text("language");
    o.topic = text("topic");
  }
  if (o.difficulty.empty()) o.difficulty = course.difficulty.value_or("");
  if (o.language.empty()) o.language = course.language.value_or("");
  if (o.count <= 0) {
    o.count = type == gen::material_type::flashcards ? cfg.flashcards_count
              : type == gen::material_type::summary ? cfg.summary_sentences
                                                     : cfg.quiz_questions;
  }
  return o;
}

result<job_effect> run_generate(services& s, const storage::job_record& job, job_context& ctx) {
  course_text text;
  auto& input = text.pages;
  storage::material_record material;
  storage::course_record course;
  {
    auto conn = s.db.acquire();
    pqxx::read_transaction tx(*conn);
    auto m = storage::find_material_by_id(tx, job.material_id.value_or(""));
    auto found = storage::find_course_by_id(tx, job.course_id.value_or(""));
    if (!m || !found) return failure(errc::not_found, "the material of this job no longer exists");
    material = *m;
    course = *found;
    input.title = course.title;
    for (const auto& src : storage::list_sources(tx, course.id)) {
      if (src.status != "extracted") continue;
      text.sha_of[src.id] = src.sha256;
      for (auto& p : storage::load_pages(tx, src.sha256)) input.pages.push_back({src.id, p.page, std::move(p.text)});
    }
  }
  if (!ctx.checkpoint(10, "writing " + material.type)) return failure(errc::cancelled, "stopped");
  auto type = gen::parse_material_type(material.type);
  if (!type) return failure(errc::invalid_value, "unknown material type " + material.type);
  auto opts = read_options(material.options_json, *type, s.cfg, course);
  // A course from a topic alone: its outline before any source exists.
  const std::string topic = course.topic.value_or("");
  if (input.pages.empty() && *type == gen::material_type::outline && !topic.empty())
    return outline_from_topic(s, job.owner_id, topic, opts);
  if (s.providers && !s.providers->empty()) return generate_with_model(s, job.owner_id, *type, opts, text, ctx);
  BOOST_OUTCOME_TRY(content, gen::generate_offline(*type, input, opts));
  if (!ctx.checkpoint(90, "checking " + material.type)) return failure(errc::cancelled, "stopped");
  BOOST_OUTCOME_TRYV(gen::validate(*type, content, input));
  return job_effect{material_ready{content.dump(), gen::offline_provider_name}};
}

// A job that does what its payload says: sleep (with checkpoints), hang (without), fail on
// its first attempts, or crash its actor. Used by the runtime's tests and benchmark.
result<job_effect> run_probe(const storage::job_record& job, job_context& ctx) {
  auto p = nlohmann::json::parse(job.payload_json, nullptr, false);
  if (!p.is_object()) p = nlohmann::json::object();
  if (p.value("crash", false)) throw probe_crash{};
  if (p.value("abort", false)) std::abort();  // a job that takes its whole node down
  if (job.attempt <= p.value("fail_times", 0)) {
    bool permanent = p.value("error", std::string("transient")) == "permanent";
    return failure(permanent ? errc::invalid_value : errc::transient,
                   "probe failure on attempt " + std::to_string(job.attempt));
  }
  if (int hang = p.value("hang_ms", 0); hang > 0) std::this_thread::sleep_for(std::chrono::milliseconds(hang));
  int sleep_ms = p.value("sleep_ms", 0);
  for (int slept = 0; slept < sleep_ms; slept += 10) {
    if (!ctx.checkpoint(slept * 100 / sleep_ms, "probe")) return failure(errc::cancelled, "stopped");
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(10, sleep_ms - slept)));
  }
  return job_effect{nothing_to_store{}};
}

}  // namespace

result<job_effect> run_job(services& s, const storage::job_record& job, job_context& ctx) {
  try {
    if (job.kind == "extract" || job.kind == "ocr") return run_extraction(s, job, ctx);
    if (job.kind == "generate") return run_generate(s, job, ctx);
    if (job.kind == "probe" && s.cfg.enable_probe_jobs) return run_probe(job, ctx);
    return failure(errc::invalid_value, "unknown job kind " + job.kind);
  } catch (const std::exception& e) {
    return boost::outcome_v2::failure(storage::classify(e));
  }
}

}  // namespace sf::pipeline
