#pragma once
// Plain text and Markdown (and sidecar subtitles) into pages, headings kept.
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "ingest/document.hpp"

namespace sf::ingest {

// UTF-8 (a BOM is dropped) or UTF-16 with a BOM; other encodings are refused with a reason.
// Long texts are cut into pages at headings or, failing those, at paragraphs.
result<document_text> extract_text(const std::string& bytes, double subtitle_segment_s = 60);

// UTF-16 (with a BOM) to UTF-8; nullopt when the bytes are not well-formed UTF-16.
std::optional<std::string> utf16_to_utf8(std::string_view bytes);

}  // namespace sf::ingest
