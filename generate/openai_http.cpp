#include "generate/openai_http.hpp"

#include <curl/curl.h>

#include <functional>
#include <memory>
#include <mutex>

#include "common/json_depth.hpp"
#include "common/utf8.hpp"

namespace sf::gen {
namespace {

constexpr int max_reply_depth = 64;

std::once_flag curl_once;

std::size_t collect(char* data, std::size_t size, std::size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  // A reply larger than this is not an answer we want; stop reading.
  if (out->size() + size * n > (16u << 20)) return 0;
  out->append(data, size * n);
  return size * n;
}

// Sends what `set_body` put on the handle and maps every way it can fail to a provider_failure.
json_result post(const openai_settings& s, const char* path, const char* content_type,
                 const std::function<void(CURL*)>& set_body) {
  std::call_once(curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::string reply;
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return provider_error{provider_failure::unavailable, s.name + ": cannot start an HTTP client"};
  curl_slist* headers = nullptr;
  if (content_type) headers = curl_slist_append(headers, content_type);
  std::string auth = "Authorization: Bearer " + s.api_key;
  if (!s.api_key.empty()) headers = curl_slist_append(headers, auth.c_str());
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> header_guard(headers, curl_slist_free_all);
  std::string url = s.base_url + path;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
  set_body(curl.get());
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &reply);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(s.timeout.count()));
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for timeouts
  CURLcode rc = curl_easy_perform(curl.get());
  if (rc != CURLE_OK) return provider_error{provider_failure::unavailable, s.name + ": " + curl_easy_strerror(rc)};
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status == 429) return provider_error{provider_failure::rate_limited, s.name + ": rate limited (HTTP 429)"};
  if (status == 402 || (status == 403 && reply.find("quota") != std::string::npos))
    return provider_error{provider_failure::quota, s.name + ": quota exhausted (HTTP " + std::to_string(status) + ")"};
  if (status >= 500) return provider_error{provider_failure::unavailable, s.name + ": HTTP " + std::to_string(status)};
  if (status != 200)
    return provider_error{provider_failure::rejected,
                          s.name + ": HTTP " + std::to_string(status) + ": " + utf8::printable(redact(reply, s.api_key), 300)};
  // Deeper than any answer asked for: refused unparsed, since copying such a value (as reading
  // it does) recurses once per level and a hostile reply could exhaust the thread's stack.
  if (json_depth(reply) > max_reply_depth)
    return provider_error{provider_failure::malformed, s.name + ": the reply is nested too deeply"};
  auto j = nlohmann::json::parse(reply, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return provider_error{provider_failure::malformed, s.name + ": the reply is not JSON"};
  return j;
}

}  // namespace

json_result post_json(const openai_settings& s, const char* path, const nlohmann::json& body) {
  const std::string payload = body.dump();
  return post(s, path, "Content-Type: application/json", [&](CURL* curl) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(payload.size()));
  });
}

json_result post_form(const openai_settings& s, const char* path, const std::vector<form_part>& parts) {
  std::unique_ptr<curl_mime, void (*)(curl_mime*)> form(nullptr, curl_mime_free);
  // libcurl sets the multipart Content-Type (with its boundary) itself.
  return post(s, path, nullptr, [&](CURL* curl) {
    form.reset(curl_mime_init(curl));
    for (const auto& p : parts) {
      curl_mimepart* part = curl_mime_addpart(form.get());
      curl_mime_name(part, p.name.c_str());
      curl_mime_data(part, p.value.data(), p.value.size());
      if (!p.filename.empty()) curl_mime_filename(part, p.filename.c_str());
      if (!p.mime_type.empty()) curl_mime_type(part, p.mime_type.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_MIMEPOST, form.get());
  });
}

usage usage_of(const nlohmann::json& reply) {
  usage out;
  if (auto u = reply.find("usage"); u != reply.end() && u->is_object()) {
    out.prompt_tokens = u->value("prompt_tokens", 0LL);
    out.completion_tokens = u->value("completion_tokens", 0LL);
  }
  return out;
}

}  // namespace sf::gen
