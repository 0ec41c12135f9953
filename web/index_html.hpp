#pragma once
// The browser UI (web/index.html), embedded at build time by embed_web.cmake.
namespace sf::web {
extern const char* const index_html;
}  // namespace sf::web
