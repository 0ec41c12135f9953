#pragma once
// Transport-neutral HTTP request and response: routes are written and tested against these,
// and only http/server.cpp knows Beast.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/json_depth.hpp"

namespace sf::http {

struct request {
  std::string method;
  std::string target;  // as received, with the query
  std::string path;    // decoded path without the query
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::filesystem::path body_file;  // uploads are received into a file instead of `body`
  std::string request_id;
  std::string remote;

  std::optional<std::string> header(const std::string& lower_name) const;
  std::optional<std::string> param(const std::string& name) const;
};

struct response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // For the access log and metrics: the route pattern and the caller, never the body.
  std::string route;
  std::string user_id;
};

// Splits "a/b?x=1&y=%20" into a decoded path and query map; false on a malformed escape.
bool parse_target(const std::string& target, std::string& path, std::map<std::string, std::string>& query);
std::string percent_decode(std::string_view s, bool plus_is_space, bool& ok);

using sf::json_depth;  // checked on every JSON body before it is parsed

}  // namespace sf::http
