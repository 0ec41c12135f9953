// libFuzzer: what the router and JSON validation see of a request: its target and its body.
#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "http/message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  auto split = input.find('\n');
  std::string target = input.substr(0, split);
  std::string body = split == std::string::npos ? std::string() : input.substr(split + 1);
  std::string path;
  std::map<std::string, std::string> query;
  sf::http::parse_target(target, path, query);
  if (sf::http::json_depth(body) <= 32) {
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (!j.is_discarded()) (void)j.dump();
  }
  return 0;
}
