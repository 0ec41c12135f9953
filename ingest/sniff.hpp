#pragma once
// Media type from the bytes themselves (magic numbers), never from a name or a client header.
#include <string>
#include <string_view>

namespace sf::ingest {

enum class media_kind { pdf, image, video, epub, html, text, unknown, empty };

struct sniffed {
  media_kind kind = media_kind::unknown;
  std::string media_type;  // e.g. "application/pdf", "application/octet-stream" when unknown
};

// `head` is the start of the file (a few KiB is enough).
sniffed sniff(std::string_view head);

}  // namespace sf::ingest
