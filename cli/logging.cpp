#include "cli/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace sf::cli {
namespace {

// %* : the message as the inside of a JSON string.
class json_escaped_message : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    for (char c : std::string_view(msg.payload.data(), msg.payload.size())) {
      switch (c) {
        case '"': dest.append(std::string_view("\\\"")); break;
        case '\\': dest.append(std::string_view("\\\\")); break;
        case '\n': dest.append(std::string_view("\\n")); break;
        case '\r': dest.append(std::string_view("\\r")); break;
        case '\t': dest.append(std::string_view("\\t")); break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            dest.append(std::string_view(buf));
          } else {
            dest.push_back(c);
          }
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<json_escaped_message>(); }
};

std::string json_string(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20) out += c;
  return out;
}

}  // namespace

void configure_logging(const config::settings& s) {
  spdlog::set_level(spdlog::level::from_str(s.log_level));
  auto sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  auto access_sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  std::string node = json_string(s.node_id);
  if (s.log_json) {
    auto f = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    f->add_flag<json_escaped_message>('*').set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","node":")" + node +
                                                       R"(","msg":"%*"})");
    sink->set_formatter(std::move(f));
    // Access lines are JSON objects already: they become the "request" field.
    access_sink->set_formatter(std::make_unique<spdlog::pattern_formatter>(
        R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","node":")" + node + R"(","request":%v})", spdlog::pattern_time_type::utc));
  } else {
    sink->set_pattern("%Y-%m-%d %H:%M:%S.%e %l %v");
    access_sink->set_pattern("%Y-%m-%d %H:%M:%S.%e access %v");
  }
  auto logger = std::make_shared<spdlog::logger>("studyforge", sink);
  logger->set_level(spdlog::level::from_str(s.log_level));
  spdlog::set_default_logger(logger);
  spdlog::drop("access");
  auto access = std::make_shared<spdlog::logger>("access", access_sink);
  access->set_level(spdlog::level::from_str(s.log_level));
  spdlog::register_logger(access);
}

}  // namespace sf::cli
