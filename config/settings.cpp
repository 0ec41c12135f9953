#include "config/settings.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unistd.h>

#include "common/redact.hpp"

extern char** environ;

namespace sf::config {
namespace {

using setter = std::function<std::optional<std::string>(settings&, const std::string&)>;

struct field {
  std::string key;
  std::string description;
  std::string default_value;
  setter set;
};

std::optional<long long> parse_int(const std::string& s) {
  long long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

setter int_in(int settings::*member, long long lo, long long hi) {
  return [=](settings& s, const std::string& v) -> std::optional<std::string> {
    auto n = parse_int(v);
    if (!n || *n < lo || *n > hi)
      return "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
    s.*member = static_cast<int>(*n);
    return std::nullopt;
  };
}

// Sizes take an optional binary suffix: 512, 64KiB, 100MiB, 2GiB.
setter size_in(std::uint64_t settings::*member, std::uint64_t lo, std::uint64_t hi) {
  return [=](settings& s, const std::string& v) -> std::optional<std::string> {
    std::size_t digits = 0;
    while (digits < v.size() && std::isdigit(static_cast<unsigned char>(v[digits]))) ++digits;
    auto n = parse_int(v.substr(0, digits));
    std::string unit = v.substr(digits);
    std::uint64_t mult = unit.empty() ? 1 : unit == "KiB" ? 1ull << 10 : unit == "MiB" ? 1ull << 20
                       : unit == "GiB" ? 1ull << 30 : 0;
    if (!n || mult == 0) return "must be a byte count such as 1048576, 64KiB, 100MiB or 2GiB";
    std::uint64_t bytes = static_cast<std::uint64_t>(*n) * mult;
    if (bytes < lo || bytes > hi)
      return "must be from " + std::to_string(lo) + " to " + std::to_string(hi) + " bytes";
    s.*member = bytes;
    return std::nullopt;
  };
}

setter text(std::string settings::*member, std::function<bool(const std::string&)> ok, std::string rule) {
  return [=](settings& s, const std::string& v) -> std::optional<std::string> {
    if (!ok(v)) return rule;
    s.*member = v;
    return std::nullopt;
  };
}

setter flag(bool settings::*member) {
  return [=](settings& s, const std::string& v) -> std::optional<std::string> {
    if (v == "true" || v == "1" || v == "yes") s.*member = true;
    else if (v == "false" || v == "0" || v == "no") s.*member = false;
    else return "must be true or false";
    return std::nullopt;
  };
}

setter real_in(double settings::*member, double lo, double hi) {
  return [=](settings& s, const std::string& v) -> std::optional<std::string> {
    char* end = nullptr;
    double d = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || d < lo || d > hi)
      return "must be a number from " + std::to_string(lo) + " to " + std::to_string(hi);
    s.*member = d;
    return std::nullopt;
  };
}

// A rejected value, quoted for the operator: never a setting that may carry an API key, and a
// URL without its password.
std::string shown(const std::string& key, const std::string& value) {
  if (key == "providers" || key == "embeddings" || key == "transcription" || key == "moderation.endpoint")
    return " (the value is not shown: it may hold an API key)";
  if (key.size() >= 3 && key.compare(key.size() - 3, 3, "url") == 0) return " (got '" + without_password(value) + "')";
  return " (got '" + value + "')";
}

// Keys may come from the environment ("api_key_env"), so settings files hold no secrets.
std::optional<std::string> read_provider(const nlohmann::json& p, settings::provider& out) {
  if (!p.is_object()) return "must list objects";
  out.name = p.value("name", "");
  out.base_url = p.value("base_url", "");
  out.model = p.value("model", "");
  out.timeout_s = p.value("timeout_s", 60);
  out.json_schema = p.value("json_schema", true);
  if (p.contains("api_key_env")) {
    const char* key = std::getenv(p["api_key_env"].get<std::string>().c_str());
    if (!key) return "names api_key_env " + p["api_key_env"].get<std::string>() + ", which is not set";
    out.api_key = key;
  } else {
    out.api_key = p.value("api_key", "");
  }
  if (out.name.empty() || out.model.empty()) return "needs a name and a model for every provider";
  if (out.base_url.rfind("http://", 0) != 0 && out.base_url.rfind("https://", 0) != 0)
    return "needs an http:// or https:// base_url for provider " + out.name;
  if (out.timeout_s < 1 || out.timeout_s > 600) return "needs timeout_s from 1 to 600 for provider " + out.name;
  return std::nullopt;
}

// read_provider, with a field of the wrong type an error instead of an exception.
std::optional<std::string> parse_provider(const nlohmann::json& p, settings::provider& out) {
  try {
    return read_provider(p, out);
  } catch (const nlohmann::json::exception&) {
    return "has a field of the wrong type (name, base_url, model, api_key and api_key_env are strings, "
           "timeout_s a number, json_schema true or false)";
  }
}

std::optional<std::string> set_providers(settings& s, const std::string& v) {
  auto j = v.empty() ? nlohmann::json::array() : nlohmann::json::parse(v, nullptr, false);
  if (j.is_discarded() || !j.is_array()) return "must be a JSON list of providers";
  s.providers.clear();
  for (const auto& p : j) {
    settings::provider out;
    if (auto problem = parse_provider(p, out)) return problem;
    s.providers.push_back(out);
  }
  return std::nullopt;
}

// A setting naming one provider (a JSON object), or empty for none.
setter one_provider(std::optional<settings::provider> settings::*member) {
  return [member](settings& s, const std::string& v) -> std::optional<std::string> {
    (s.*member).reset();
    if (v.empty() || v == "null") return std::nullopt;
    auto j = nlohmann::json::parse(v, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return "must be a JSON object naming one provider, or empty";
    settings::provider out;
    if (auto problem = parse_provider(j, out)) return problem;
    s.*member = out;
    return std::nullopt;
  };
}

std::optional<std::string> set_listen(settings& s, const std::string& v) {
  auto colon = v.rfind(':');
  if (colon == std::string::npos || colon == 0) return "must be host:port, for example 127.0.0.1:8080";
  auto port = parse_int(v.substr(colon + 1));
  if (!port || *port < 0 || *port > 65535) return "has a port that is not 0..65535";
  s.listen_host = v.substr(0, colon);
  s.listen_port = static_cast<std::uint16_t>(*port);
  return std::nullopt;
}

std::optional<std::string> set_url(std::string& out, const std::string& v, std::initializer_list<const char*> schemes) {
  if (v.empty()) { out.clear(); return std::nullopt; }
  for (const char* scheme : schemes)
    if (v.rfind(scheme, 0) == 0) { out = v; return std::nullopt; }
  std::string list;
  for (const char* scheme : schemes) list += (list.empty() ? "" : " or ") + std::string(scheme);
  return "must start with " + list + " (or be empty for a private instance)";
}

// Bulk lanes run below interactive work unless configured otherwise.
int default_lane_nice(const std::string& lane) {
  return lane == "extract" || lane == "ocr" || lane == "generate" ? 5 : 0;
}

std::vector<field> make_fields() {
  std::vector<field> f{
      {"listen", "host:port the HTTP and WebSocket front end binds", "127.0.0.1:8080", set_listen},
      {"database_url", "PostgreSQL connection URL; empty starts a private instance under data_dir", "",
       [](settings& s, const std::string& v) { return set_url(s.database_url, v, {"postgresql://", "postgres://"}); }},
      {"nats_url", "NATS server URL (JetStream enabled); empty starts a private nats-server under data_dir", "",
       [](settings& s, const std::string& v) { return set_url(s.nats_url, v, {"nats://", "tls://"}); }},
      {"nats_namespace", "prefix of the stream, consumers and subjects, so deployments can share one NATS", "",
       text(&settings::nats_namespace,
            [](const std::string& v) {
              return v.size() <= 32 && v.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos;
            },
            "must be at most 32 of a-z, 0-9 and _")},
      {"data_dir", "blobs and private server data", "./var",
       text(&settings::data_dir, [](const std::string& v) { return !v.empty(); }, "must not be empty")},
      {"node_id", "this node's name in logs, health and job records; empty: hostname-pid", "",
       text(&settings::node_id, [](const std::string& v) { return v.size() <= 64; }, "must be at most 64 characters")},
      {"role", "what this node runs: api (HTTP only), worker (lanes only) or all", "all",
       text(&settings::role, [](const std::string& v) { return v == "api" || v == "worker" || v == "all"; },
            "must be api, worker or all")},
      {"private_postgres_port", "port of the private PostgreSQL", "54329", int_in(&settings::private_postgres_port, 1024, 65535)},
      {"private_nats_port", "port of the private nats-server", "42229", int_in(&settings::private_nats_port, 1024, 65535)},
      {"http_threads", "threads serving HTTP and WebSocket I/O", "2", int_in(&settings::http_threads, 1, 64)},
      {"actor_threads", "threads running the job runtime's actors (short handlers; job work has threads of its own)", "1",
       int_in(&settings::actor_threads, 1, 64)},
      {"request_workers", "threads running blocking request handlers, one database connection each", "4",
       int_in(&settings::request_workers, 1, 256)},
      {"request_queue", "requests waiting for a worker beyond which the node answers 503", "256",
       int_in(&settings::request_queue, 1, 100000)},
      {"max_upload_bytes", "largest accepted upload", "100MiB", size_in(&settings::max_upload_bytes, 1024, 1ull << 34)},
      {"max_json_bytes", "largest accepted JSON request body", "1MiB", size_in(&settings::max_json_bytes, 1024, 1ull << 26)},
      {"max_pdf_pages", "PDFs with more pages are rejected", "2000", int_in(&settings::max_pdf_pages, 1, 100000)},
      {"ack_wait_s", "seconds JetStream waits for an ack or heartbeat before redelivering", "30",
       int_in(&settings::ack_wait_s, 2, 3600)},
      {"heartbeat_ms", "interval of running jobs' heartbeats (must be well under ack_wait_s)", "5000",
       int_in(&settings::heartbeat_ms, 100, 600000)},
      {"sweep_interval_s", "seconds between sweeps for stale jobs and lost messages (one node runs each)", "10",
       int_in(&settings::sweep_interval_s, 1, 3600)},
      {"enable_probe_jobs", "accept admin probe jobs (tests and benchmarks of the job runtime)", "false",
       flag(&settings::enable_probe_jobs)},
      {"ocr.threads", "pages one extraction job reads at once (OCR, and the native text of long PDFs), one thread each", "2", int_in(&settings::ocr_threads, 1, 64)},
      {"ocr.dpi", "resolution pages are rendered at for OCR", "300", int_in(&settings::ocr_dpi, 72, 600)},
      {"ocr.language", "Tesseract languages, e.g. eng or eng+deu", "eng",
       text(&settings::ocr_language,
            [](const std::string& v) {
              return !v.empty() && v.size() <= 64 &&
                     v.find_first_not_of("abcdefghijklmnopqrstuvwxyz_+") == std::string::npos;
            },
            "must be Tesseract language codes joined by +")},
      {"limits.max_image_pixels", "images with more pixels are refused before decoding", "100000000",
       size_in(&settings::max_image_pixels, 1'000'000, 2'000'000'000)},
      {"limits.max_page_pixels", "a page rendered for OCR is scaled down to at most this many pixels", "40000000",
       size_in(&settings::max_page_pixels, 1'000'000, 400'000'000)},
      {"limits.mupdf_memory", "memory MuPDF may use for one document", "1GiB",
       size_in(&settings::mupdf_memory_bytes, 64ull << 20, 16ull << 30)},
      {"video.segment_s", "seconds of video per page of text", "60", int_in(&settings::video_segment_s, 5, 3600)},
      {"video.frame_interval_s", "a video frame is OCRed for slide text every this many seconds", "10",
       int_in(&settings::video_frame_interval_s, 1, 600)},
      {"video.max_frames", "video frames OCRed at most", "120", int_in(&settings::video_max_frames, 0, 10000)},
      {"video.max_duration_s", "longer videos are rejected", "14400", int_in(&settings::video_max_duration_s, 1, 86400)},
      {"moderation.min_chars", "material with fewer readable letters is rejected as no_text", "40",
       int_in(&settings::moderation_min_chars, 0, 100000)},
      {"moderation.min_ocr_confidence", "scans read with a lower mean OCR confidence are rejected as unreadable", "30",
       int_in(&settings::moderation_min_ocr_confidence, 0, 100)},
      {"moderation.blocked_terms", "comma-separated terms that make material rejected", "",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         s.blocked_terms.clear();
         std::stringstream in(v);
         for (std::string term; std::getline(in, term, ',');)
           if (!term.empty()) s.blocked_terms.push_back(term);
         return std::nullopt;
       }},
      {"purge_rejected_after_s", "files of rejected sources are deleted this long after upload", "86400",
       int_in(&settings::purge_rejected_after_s, 0, 365 * 86400)},
      {"providers",
       "JSON list of OpenAI-compatible providers tried in order: [{\"name\", \"base_url\", \"model\", "
       "\"api_key\" or \"api_key_env\", \"timeout_s\", \"json_schema\"}]; empty: offline only",
       "[]", set_providers},
      {"embeddings",
       "one OpenAI-compatible provider whose /v1/embeddings embeds cache requests: {\"name\", \"base_url\", "
       "\"model\", \"api_key\" or \"api_key_env\", \"timeout_s\"}; empty: the offline embedding",
       "", one_provider(&settings::embeddings)},
      {"transcription",
       "one OpenAI-compatible provider whose /v1/audio/transcriptions turns video speech into text (the same "
       "fields as embeddings); empty: pocketsphinx, offline",
       "", one_provider(&settings::transcription)},
      {"moderation.endpoint",
       "one OpenAI-compatible provider whose /v1/moderations checks extracted text before generation (the same "
       "fields, e.g. model omni-moderation-latest); empty: the built-in rules only",
       "", one_provider(&settings::moderation_service)},
      {"moderation.max_pieces", "8 KB pieces of one document sent to the moderation endpoint at most (spread over it)",
       "64", int_in(&settings::moderation_max_pieces, 1, 10000)},
      {"generate.breaker_failures", "failures in a row that open a provider's circuit", "3",
       int_in(&settings::breaker_failures, 1, 100)},
      {"generate.breaker_open_s", "seconds a provider is skipped once its circuit is open", "30",
       int_in(&settings::breaker_open_s, 1, 3600)},
      {"generate.cache_hit_similarity", "request similarity (0..1) at which a cached answer is reused", "0.97",
       real_in(&settings::cache_hit_similarity, 0.5, 1.0)},
      {"generate.cache_near_similarity", "similarity at which a cached answer stands in when every provider fails", "0.85",
       real_in(&settings::cache_near_similarity, 0.0, 1.0)},
      {"generate.flashcards_count", "flashcards generated by default", "20", int_in(&settings::flashcards_count, 1, 500)},
      {"generate.quiz_questions", "quiz questions generated by default", "10", int_in(&settings::quiz_questions, 1, 200)},
      {"generate.summary_sentences", "sentences in an extractive summary", "12", int_in(&settings::summary_sentences, 1, 200)},
      {"throttle.auth_per_minute", "signups and logins per minute from one address", "30",
       int_in(&settings::throttle_auth_per_minute, 0, 100000)},
      {"throttle.login_per_account_per_minute", "login attempts per minute for one account", "10",
       int_in(&settings::throttle_login_per_account_per_minute, 0, 100000)},
      {"throttle.upload_per_minute", "uploads per minute per user", "30", int_in(&settings::throttle_upload_per_minute, 0, 100000)},
      {"throttle.generate_per_minute", "material requests per minute per user", "60",
       int_in(&settings::throttle_generate_per_minute, 0, 100000)},
      {"throttle.read_per_second", "reads per second per user (burst: twice as many)", "50",
       int_in(&settings::throttle_read_per_second, 0, 100000)},
      {"throttle.write_per_second", "other writes per second per user", "20", int_in(&settings::throttle_write_per_second, 0, 100000)},
      {"quota.uploads_per_day", "uploads per user per day (0: unlimited)", "200", int_in(&settings::quota_uploads_per_day, 0, 10000000)},
      {"quota.generations_per_day", "material generations per user per day (0: unlimited)", "1000",
       int_in(&settings::quota_generations_per_day, 0, 10000000)},
      {"signed_url_ttl_s", "seconds a signed file link stays valid", "300", int_in(&settings::signed_url_ttl_s, 10, 86400)},
      {"limits.max_json_depth", "deepest nesting accepted in a JSON body", "32", int_in(&settings::max_json_depth, 2, 512)},
      {"limits.ws_messages_per_second", "messages a WebSocket client may send per second", "20",
       int_in(&settings::ws_messages_per_second, 1, 10000)},
      {"limits.ws_keepalive_s", "seconds a WebSocket client may stay silent before it is pinged, and again before it is dropped",
       "150", int_in(&settings::ws_keepalive_s, 1, 3600)},
      {"limits.ws_connections_per_user", "WebSocket connections one user may hold open on a node", "20",
       int_in(&settings::ws_connections_per_user, 1, 100000)},
      {"limits.connections_per_address", "TCP connections one client address may hold open on a node (HTTP and WebSocket)",
       "1024", int_in(&settings::connections_per_address, 1, 1000000)},
      {"log_json", "log one JSON object per line (false: plain text)", "true", flag(&settings::log_json)},
      {"log_level", "trace, debug, info, warn, error or off", "info",
       text(&settings::log_level,
            [](const std::string& v) {
              return v == "trace" || v == "debug" || v == "info" || v == "warn" || v == "error" || v == "off";
            },
            "must be trace, debug, info, warn, error or off")},
  };
  for (const char* lane : lane_names) {
    std::string name = lane;
    f.push_back({"lanes." + name + ".concurrency", "jobs of the " + name + " lane running at once on this node", "2",
                 [name](settings& s, const std::string& v) -> std::optional<std::string> {
                   auto n = parse_int(v);
                   if (!n || *n < 0 || *n > 256) return "must be an integer from 0 to 256";
                   s.lanes[name].concurrency = static_cast<int>(*n);
                   return std::nullopt;
                 }});
    f.push_back({"lanes." + name + ".nice",
                 "how many steps nicer (0-19) the " + name + " lane's threads run than the node's others",
                 std::to_string(default_lane_nice(name)),
                 [name](settings& s, const std::string& v) -> std::optional<std::string> {
                   auto n = parse_int(v);
                   if (!n || *n < 0 || *n > 19) return "must be an integer from 0 to 19";
                   s.lanes[name].nice = static_cast<int>(*n);
                   return std::nullopt;
                 }});
  }
  for (const char* kind : {"extract", "ocr", "generate", "probe"}) {
    std::string name = kind;
    f.push_back({"jobs." + name + ".backoff_s",
                 "comma-separated delays before each attempt of a " + name + " job; their count is the attempt limit",
                 "0,30,60", [name](settings& s, const std::string& v) -> std::optional<std::string> {
                   std::vector<int> delays;
                   std::stringstream in(v);
                   for (std::string part; std::getline(in, part, ',');) {
                     auto n = parse_int(part);
                     if (!n || *n < 0 || *n > 86400) return "must list delays in seconds (0..86400), such as 0,30,60";
                     delays.push_back(static_cast<int>(*n));
                   }
                   if (delays.empty() || delays.size() > 20) return "must list 1 to 20 delays";
                   s.job_kinds[name].backoff_s = delays;
                   return std::nullopt;
                 }});
    for (bool soft : {true, false}) {
      f.push_back({"jobs." + name + (soft ? ".soft_limit_s" : ".hard_limit_s"),
                   soft ? "seconds after which a running " + name + " job is asked to stop"
                        : "seconds after which a running " + name + " job is killed",
                   soft ? "600" : "660", [name, soft](settings& s, const std::string& v) -> std::optional<std::string> {
                     auto n = parse_int(v);
                     if (!n || *n < 1 || *n > 86400) return "must be an integer from 1 to 86400";
                     auto& k = s.job_kinds[name];
                     (soft ? k.soft_limit_s : k.hard_limit_s) = static_cast<int>(*n);
                     return std::nullopt;
                   }});
    }
  }
  return f;
}

const std::vector<field>& fields() {
  static const std::vector<field> f = make_fields();
  return f;
}

std::string env_name(const std::string& key) {
  std::string out = "STUDYFORGE_";
  for (char c : key) out += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Nested JSON objects become dotted keys; scalars become their text.
void flatten(const nlohmann::json& j, const std::string& prefix, std::map<std::string, std::string>& out) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    const auto& v = it.value();
    const bool record = std::any_of(fields().begin(), fields().end(), [&](const field& f) { return f.key == key; });
    if (v.is_object() && !record) flatten(v, key, out);
    else if (v.is_object()) out[key] = v.dump();  // a record setting (embeddings) stays JSON
    else if (v.is_string()) out[key] = v.get<std::string>();
    else if (v.is_array() && std::any_of(v.begin(), v.end(), [](const nlohmann::json& e) { return e.is_object(); }))
      out[key] = v.dump();  // a list of records (providers) stays JSON
    else if (v.is_array()) {
      std::string joined;
      for (const auto& e : v) {
        if (!joined.empty()) joined += ',';
        joined += e.is_string() ? e.get<std::string>() : e.dump();
      }
      out[key] = joined;
    } else out[key] = v.dump();
  }
}

}  // namespace

const lane_settings& settings::lane(const std::string& name) const {
  static const lane_settings fallback{};
  auto it = lanes.find(name);
  return it == lanes.end() ? fallback : it->second;
}

const job_kind_settings& settings::job_kind(const std::string& kind) const {
  static const job_kind_settings fallback{};
  auto it = job_kinds.find(kind);
  return it == job_kinds.end() ? fallback : it->second;
}

result<settings> load(const std::string& file_text, const std::map<std::string, std::string>& env) {
  settings s;
  for (const auto& f : fields())
    if (auto err = f.set(s, f.default_value))
      return failure(errc::internal, "default of " + f.key + " " + *err);

  std::map<std::string, std::string> from_file;
  if (!file_text.empty()) {
    auto j = nlohmann::json::parse(file_text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      return failure(errc::invalid_argument, "settings file: not a JSON object");
    flatten(j, "", from_file);
  }
  for (const auto& [key, value] : from_file) {
    auto it = std::find_if(fields().begin(), fields().end(), [&](const field& f) { return f.key == key; });
    if (it == fields().end()) return failure(errc::invalid_argument, "settings file: unknown key '" + key + "'");
    if (auto err = it->set(s, value))
      return failure(errc::invalid_value, "settings file: '" + key + "' " + *err + shown(key, value));
  }
  // A misspelt name (STUDYFORGE_DATABSE_URL) would quietly leave its default in force: a
  // private PostgreSQL instead of the one meant. Names that are not settings but are read
  // elsewhere (the settings file, the client, the test script) are let through.
  for (const auto& [name, value] : env) {
    if (name.rfind("STUDYFORGE_", 0) != 0) continue;
    auto rest = name.substr(11);
    bool elsewhere = rest == "CONFIG" || rest == "SERVER" || rest == "TOKEN" || rest.rfind("TEST_", 0) == 0;
    if (!elsewhere && std::none_of(fields().begin(), fields().end(), [&](const field& f) { return env_name(f.key) == name; }))
      return failure(errc::invalid_argument, name + " is not a setting (a misspelling?); `studyforge config` lists them");
  }
  for (const auto& f : fields()) {
    auto it = env.find(env_name(f.key));
    if (it == env.end()) continue;
    if (auto err = f.set(s, it->second)) return failure(errc::invalid_value, it->first + " " + *err + shown(f.key, it->second));
  }
  // Cross-field rules.
  if (s.heartbeat_ms * 2 > s.ack_wait_s * 1000)
    return failure(errc::invalid_value, "heartbeat_ms must be at most half of ack_wait_s, or jobs are redelivered while they run");
  for (const auto& [kind, k] : s.job_kinds)
    if (k.hard_limit_s < k.soft_limit_s)
      return failure(errc::invalid_value, "jobs." + kind + ".hard_limit_s must not be below jobs." + kind + ".soft_limit_s");
  if (s.node_id.empty()) {
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    s.node_id = std::string(host) + "-" + std::to_string(getpid());
  }
  return s;
}

result<settings> load_from_process() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos && kv.rfind("STUDYFORGE_", 0) == 0) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  std::string file_text;
  if (auto it = env.find("STUDYFORGE_CONFIG"); it != env.end() && !it->second.empty()) {
    std::ifstream in(it->second);
    if (!in) return failure(errc::invalid_argument, "STUDYFORGE_CONFIG: cannot read '" + it->second + "'");
    std::stringstream ss;
    ss << in.rdbuf();
    file_text = ss.str();
  }
  return load(file_text, env);
}

std::string describe() {
  std::string out;
  for (const auto& f : fields())
    out += f.key + "  (" + env_name(f.key) + ", default '" + f.default_value + "')\n    " + f.description + "\n";
  return out;
}

}  // namespace sf::config
