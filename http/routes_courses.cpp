// Courses, their sources and their materials. Every query is scoped to the caller.
#include <fstream>
#include <pqxx/pqxx>
#include <sstream>

#include "common/ids.hpp"
#include "common/utf8.hpp"
#include <ctime>

#include "generate/export_apkg.hpp"
#include "generate/export_csv.hpp"
#include "generate/material.hpp"
#include "http/api.hpp"
#include "http/signed_url.hpp"
#include "http/wire.hpp"
#include "pipeline/submit.hpp"
#include "storage/courses.hpp"
#include "storage/extractions.hpp"
#include "storage/limits.hpp"
#include "storage/materials.hpp"
#include "storage/sources.hpp"

namespace sf::http {
namespace {

const std::vector<std::string> default_materials{"summary", "flashcards", "quiz"};

response not_found(const request& r, const std::string& what) {
  return error_response(404, "not_found", "no such " + what, r);
}

// A course's text settings and their longest values; a material's options may override them.
constexpr std::size_t max_topic = 500, max_difficulty = 32, max_language = 16;

std::optional<std::string> optional_text(const nlohmann::json& body, const char* key, std::size_t max, std::string& problem) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) { problem = std::string(key) + " must be a string"; return std::nullopt; }
  auto v = it->get<std::string>();
  if (v.size() > max) { problem = std::string(key) + " must have at most " + std::to_string(max) + " characters"; return std::nullopt; }
  return v;
}

// Keeps the last path component as UTF-8 (a byte that is not becomes U+FFFD), without control
// characters or quotes, at most 200 bytes and never cut inside a character.
std::string clean_filename(const std::string& raw) {
  std::string_view name(raw);
  if (auto slash = name.find_last_of("/\\"); slash != std::string_view::npos) name.remove_prefix(slash + 1);
  std::string out = utf8::printable(name, 200);
  std::erase_if(out, [](char c) { return c == '\t' || c == '\n' || c == '"'; });
  if (out.empty() || out == "." || out == "..") out = "upload";
  return out;
}

response create_course(pipeline::services& s, call& c) {
  response err;
  auto body = parse_object(c.req, err);
  if (!body) return err;
  auto title = body->find("title");
  if (title == body->end() || !title->is_string() || title->get<std::string>().empty() || title->get<std::string>().size() > 200)
    return error_response(422, "invalid_value", "title is required: a string of 1 to 200 characters", c.req);
  std::string problem;
  storage::new_course nc;
  nc.owner_id = c.user->id;
  nc.title = title->get<std::string>();
  nc.topic = optional_text(*body, "topic", max_topic, problem);
  nc.difficulty = optional_text(*body, "difficulty", max_difficulty, problem);
  nc.language = optional_text(*body, "language", max_language, problem);
  if (!problem.empty()) return error_response(422, "invalid_value", problem, c.req);
  nc.materials = default_materials;
  if (auto m = body->find("materials"); m != body->end() && !m->is_null()) {
    if (!m->is_array() || m->size() > 6) return error_response(422, "invalid_value", "materials must be a list of material types", c.req);
    nc.materials.clear();
    for (const auto& t : *m) {
      auto type = t.is_string() ? gen::parse_material_type(t.get<std::string>()) : std::nullopt;
      if (!type) return error_response(422, "invalid_value", "unknown material type " + t.dump(), c.req);
      std::string name(gen::to_string(*type));
      if (std::find(nc.materials.begin(), nc.materials.end(), name) == nc.materials.end()) nc.materials.push_back(name);
    }
  }
  auto course = pipeline::submit_course(s, nc);
  if (!course) return error_response(course.error(), c.req);
  return json_response(201, to_json(course.value()));
}

std::optional<storage::course_record> owned_course(pqxx::transaction_base& tx, call& c) {
  if (!is_uuid(c.params[0])) return std::nullopt;
  return storage::find_course(tx, c.user->id, c.params[0]);
}

std::optional<storage::source_record> owned_source(pqxx::transaction_base& tx, call& c) {
  auto course = owned_course(tx, c);
  if (!course || !is_uuid(c.params[1])) return std::nullopt;
  return storage::find_source(tx, course->id, c.params[1]);
}

response quota_used_up(call& c, const char* kind) {
  auto res = error_response(429, "quota_exceeded", std::string("today's quota of ") + kind + "s is used up", c.req);
  auto now = std::time(nullptr);
  res.headers.push_back({"Retry-After", std::to_string(86400 - now % 86400)});
  return res;
}

// 429 until midnight UTC when the caller used up today's `kind`; else one is counted.
std::optional<response> over_quota(pipeline::services& s, call& c, const char* kind, int limit) {
  auto conn = s.db.acquire();
  pqxx::nontransaction tx(*conn);
  if (storage::take_quota(tx, c.user->id, kind, limit)) return std::nullopt;
  return quota_used_up(c, kind);
}

// A request that took quota and then made nothing (refused, or the work already existed)
// does not count. Best effort: a database that just failed the request may fail this too.
void give_back(pipeline::services& s, call& c, const char* kind, int limit) {
  if (limit <= 0) return;
  try {
    auto conn = s.db.acquire();
    pqxx::nontransaction tx(*conn);
    storage::give_back_quota(tx, c.user->id, kind);
  } catch (const std::exception&) {
  }
}

// Before the file is received: the course is the caller's, and today's uploads are not used
// up (looked at; the upload counts once it is in).
std::optional<response> upload_allowed(pipeline::services& s, call& c) {
  auto conn = s.db.acquire();
  pqxx::read_transaction tx(*conn);
  if (!owned_course(tx, c)) return not_found(c.req, "course");
  int limit = s.cfg.quota_uploads_per_day;
  if (limit > 0 && storage::quota_used(tx, c.user->id, "upload") >= limit) return quota_used_up(c, "upload");
  return std::nullopt;
}

response upload_source(pipeline::services& s, call& c) {
  if (!is_uuid(c.params[0])) return not_found(c.req, "course");
  if (c.req.body_file.empty()) return error_response(400, "invalid_argument", "send the file as the request body", c.req);
  if (auto limited = over_quota(s, c, "upload", s.cfg.quota_uploads_per_day)) return *limited;
  pipeline::upload u{c.user->id, c.params[0], clean_filename(c.req.param("filename").value_or("upload")), c.req.body_file};
  auto r = pipeline::submit_source(s, u);
  if (!r) {
    give_back(s, c, "upload", s.cfg.quota_uploads_per_day);
    return error_response(r.error(), c.req);
  }
  return json_response(202, {{"source_id", r.value().source_id}, {"job_id", r.value().job_id}});
}

// What is wrong with a material's options, or "" when nothing is. The same bounds as a
// course's own settings, which they override.
std::string option_problem(const nlohmann::json& o) {
  std::string problem;
  for (const auto& [key, value] : o.items()) {
    if (key == "count") {
      if (!value.is_number_integer() || value < 1 || value > 200) return "options.count must be an integer from 1 to 200";
    } else if (key == "topic" || key == "difficulty" || key == "language") {
      std::size_t max = key == "topic" ? max_topic : key == "difficulty" ? max_difficulty : max_language;
      optional_text(o, key.c_str(), max, problem);
      if (!problem.empty()) return "options." + problem;
    } else {
      return "unknown option '" + utf8::printable(key, 64) + "'; options are count, topic, difficulty and language";
    }
  }
  return "";
}

response request_material(pipeline::services& s, call& c) {
  if (!is_uuid(c.params[0])) return not_found(c.req, "course");
  response err;
  auto body = parse_object(c.req, err);
  if (!body) return err;
  auto t = body->find("type");
  if (t == body->end() || !t->is_string()) return error_response(400, "invalid_argument", "type is required", c.req);
  auto type = gen::parse_material_type(t->get<std::string>());
  if (!type) return error_response(400, "unknown_type", "unknown material type '" + t->get<std::string>() + "'", c.req);
  nlohmann::json options = nlohmann::json::object();
  if (auto o = body->find("options"); o != body->end() && !o->is_null()) {
    if (!o->is_object()) return error_response(422, "invalid_value", "options must be an object", c.req);
    std::string problem = option_problem(*o);
    if (!problem.empty()) return error_response(422, "invalid_value", problem, c.req);
    options = *o;
  }
  if (auto limited = over_quota(s, c, "generation", s.cfg.quota_generations_per_day)) return *limited;
  pipeline::material_request req{c.user->id, c.params[0], std::string(gen::to_string(*type)), options.dump(), false};
  auto r = pipeline::submit_material(s, req);
  if (!r || !r.value().created_job) give_back(s, c, "generation", s.cfg.quota_generations_per_day);
  if (!r) return error_response(r.error(), c.req);
  auto j = to_json(r.value().material);
  if (r.value().job_id) j["job_id"] = *r.value().job_id;
  return json_response(r.value().material.status == "completed" ? 200 : 202, j);
}

response export_flashcards(pipeline::services& s, call& c) {
  auto format = c.req.param("format").value_or("csv");
  if (format != "csv" && format != "apkg") return error_response(400, "unsupported_format", "format must be csv or apkg", c.req);
  auto conn = s.db.acquire();
  pqxx::read_transaction tx(*conn);
  auto course = owned_course(tx, c);
  if (!course) return not_found(c.req, "course");
  auto m = storage::find_material(tx, course->id, "flashcards");
  if (!m || m->status != "completed" || !m->content_json)
    return error_response(409, "not_ready", "the flashcards are not generated yet", c.req);
  auto content = nlohmann::json::parse(*m->content_json);
  response r;
  if (format == "apkg") {
    auto apkg = gen::flashcards_apkg(content, course->title, course->id, s.blobs.temp_path().parent_path().string(),
                                     static_cast<long long>(std::time(nullptr)));
    if (!apkg) return error_response(apkg.error(), c.req);
    r.content_type = "application/octet-stream";
    r.body = std::move(apkg).value();
    r.headers.push_back({"Content-Disposition", "attachment; filename=\"flashcards.apkg\""});
    return r;
  }
  r.content_type = "text/csv; charset=utf-8";
  r.body = gen::flashcards_csv(content, course->title, course->id);
  r.headers.push_back({"Content-Disposition", "attachment; filename=\"flashcards.csv\""});
  return r;
}

}  // namespace

void add_course_routes(api& a) {
  auto& s = a.deps().services;

  a.add("POST", "/v1/courses", true, [&s](call& c) { return create_course(s, c); });

  a.add("GET", "/v1/courses", true, [&s](call& c) {
    auto conn = s.db.acquire();
    pqxx::read_transaction tx(*conn);
    auto list = nlohmann::json::array();
    for (auto& course : storage::list_courses(tx, c.user->id)) {
      storage::load_course_parts(tx, course);
      list.push_back(to_json(course));
    }
    return json_response(200, {{"courses", list}});
  });

  a.add("GET", "/v1/courses/{course_id}", true, [&s](call& c) {
    auto conn = s.db.acquire();
    pqxx::read_transaction tx(*conn);
    auto course = owned_course(tx, c);
    if (!course) return not_found(c.req, "course");
    storage::load_course_parts(tx, *course);
    return json_response(200, to_json(*course));
  });

  a.add("DELETE", "/v1/courses/{course_id}", true, [&s](call& c) {
    if (!is_uuid(c.params[0])) return not_found(c.req, "course");
    // The cascade locks the course, then its jobs; a job's transaction locks them the other
    // way round. PostgreSQL breaks such a deadlock by failing one side: the delete tries again.
    for (int attempt = 1;; ++attempt) {
      try {
        auto conn = s.db.acquire();
        pqxx::work tx(*conn);
        if (!storage::delete_course(tx, c.user->id, c.params[0])) return not_found(c.req, "course");
        tx.commit();
        break;
      } catch (const std::exception& e) {
        if (attempt == 3 || storage::classify(e).code != errc::transient) throw;  // a deadlock or conflict: again
      }
    }
    response r;
    r.status = 204;
    r.content_type.clear();
    return r;
  });

  a.add("POST", "/v1/courses/{course_id}/sources", true, [&s](call& c) { return upload_source(s, c); }, "upload",
        [&s](call& c) { return upload_allowed(s, c); });

  a.add("GET", "/v1/courses/{course_id}/sources/{source_id}", true, [&s](call& c) {
    auto conn = s.db.acquire();
    pqxx::read_transaction tx(*conn);
    auto src = owned_source(tx, c);
    if (!src) return not_found(c.req, "source");
    return json_response(200, to_json(*src));
  });

  a.add("GET", "/v1/courses/{course_id}/sources/{source_id}/text", true, [&s](call& c) {
    auto conn = s.db.acquire();
    pqxx::read_transaction tx(*conn);
    auto src = owned_source(tx, c);
    if (!src) return not_found(c.req, "source");
    if (src->status != "extracted") return error_response(409, "not_ready", "the source is " + src->status, c.req);
    auto pages = nlohmann::json::array();
    for (const auto& p : storage::load_pages(tx, src->sha256))
      pages.push_back({{"page", p.page}, {"method", p.method}, {"text", p.text},
                       {"confidence", p.confidence ? nlohmann::json(*p.confidence) : nlohmann::json(nullptr)}});
    return json_response(200, {{"source_id", src->id}, {"pages", pages}});
  });

  // A link the browser can follow without a token, valid for signed_url_ttl_s.
  a.add("GET", "/v1/courses/{course_id}/sources/{source_id}/download", true, [&s, &a](call& c) {
    auto conn = s.db.acquire();
    pqxx::read_transaction tx(*conn);
    auto src = owned_source(tx, c);
    if (!src) return not_found(c.req, "source");
    long long expires = static_cast<long long>(std::time(nullptr)) + s.cfg.signed_url_ttl_s;
    auto sig = sign_file_link(a.signing_key(), src->sha256, src->filename, expires);
    return json_response(200, {{"url", "/files/" + src->sha256 + "?name=" + url_encode(src->filename) +
                                           "&expires=" + std::to_string(expires) + "&sig=" + sig},
                               {"expires_in_s", s.cfg.signed_url_ttl_s}});
  });

  a.add("GET", "/files/{sha256}", false, [&s, &a](call& c) {
    auto name = c.req.param("name").value_or("");
    auto sig = c.req.param("sig").value_or("");
    long long expires = 0;
    try {
      expires = std::stoll(c.req.param("expires").value_or("0"));
    } catch (const std::exception&) {
    }
    if (!check_file_link(a.signing_key(), c.params[0], name, expires, sig, static_cast<long long>(std::time(nullptr))))
      return error_response(403, "forbidden", "the link is invalid or has expired", c.req);
    if (!s.blobs.contains(c.params[0])) return not_found(c.req, "file");
    std::ifstream in(s.blobs.path_of(c.params[0]), std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    response r;
    r.content_type = "application/octet-stream";
    r.body = bytes.str();
    r.headers.push_back({"Content-Disposition", "attachment; filename=\"" + clean_filename(name) + "\""});
    return r;
  });

  a.add("POST", "/v1/courses/{course_id}/materials", true, [&s](call& c) { return request_material(s, c); }, "generate");

  a.add("GET", "/v1/courses/{course_id}/materials", true, [&s](call& c) {
    auto conn = s.db.acquire();
    pqxx::read_transaction tx(*conn);
    auto course = owned_course(tx, c);
    if (!course) return not_found(c.req, "course");
    auto list = nlohmann::json::array();
    for (const auto& m : storage::list_materials(tx, course->id)) list.push_back(to_json(m));
    return json_response(200, {{"materials", list}});
  });

  a.add("GET", "/v1/courses/{course_id}/materials/{type}", true, [&s](call& c) {
    auto type = gen::parse_material_type(c.params[1]);
    if (!type) return error_response(400, "unknown_type", "unknown material type", c.req);
    auto conn = s.db.acquire();
    pqxx::read_transaction tx(*conn);
    auto course = owned_course(tx, c);
    if (!course) return not_found(c.req, "course");
    auto m = storage::find_material(tx, course->id, std::string(gen::to_string(*type)));
    if (!m) return not_found(c.req, "material");
    return json_response(200, to_json(*m));
  });

  a.add("GET", "/v1/courses/{course_id}/materials/flashcards/export", true, [&s](call& c) { return export_flashcards(s, c); });
}

}  // namespace sf::http
