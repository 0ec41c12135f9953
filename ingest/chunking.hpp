#pragma once
// Chunks for retrieval: bounded runs of paragraphs that never cross a heading, each knowing
// its pages and the heading it sits under.
#include <string>
#include <vector>

#include "ingest/document.hpp"

namespace sf::ingest {

struct chunk {
  int ordinal = 0;
  int page_start = 0;
  int page_end = 0;
  std::string heading;
  std::string text;
};

std::vector<chunk> make_chunks(const document_text& doc, std::size_t max_chars = 1500);

// A paragraph that reads like a heading: short, no closing full stop, starts with a capital
// or a section number.
bool looks_like_heading(const std::string& paragraph);

}  // namespace sf::ingest
