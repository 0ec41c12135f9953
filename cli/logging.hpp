#pragma once
#include "config/settings.hpp"

namespace sf::cli {

// JSON lines (one object per line, message escaped) or plain text; an "access" logger for
// one line per HTTP request.
void configure_logging(const config::settings& s);

}  // namespace sf::cli
