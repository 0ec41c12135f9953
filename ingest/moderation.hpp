#pragma once
// The gate before generation: material that is empty, unreadable or blocked makes the course
// `rejected` with a reason instead of becoming study material about nothing.
#include <optional>
#include <string>
#include <vector>

#include "ingest/document.hpp"

namespace sf::ingest {

struct moderation_rules {
  std::size_t min_chars = 40;         // visible characters in the whole document
  double min_ocr_confidence = 30;     // mean over OCRed pages, when they carry most of the text
  std::vector<std::string> blocked;   // terms refused anywhere in the text (case-insensitive)
};

// A rejection reason ("code: sentence"), or nullopt when the material may go on.
std::optional<std::string> moderate(const document_text& doc, const moderation_rules& rules);

// The document's text for a moderation service: pieces of at most `piece_bytes` (cut at white
// space, never inside a character), at most `max_pieces` of them spread evenly over the
// document when it is longer.
std::vector<std::string> moderation_pieces(const document_text& doc, std::size_t piece_bytes, std::size_t max_pieces);

}  // namespace sf::ingest
