#pragma once
// Section headings found in the text: numbered ("3.2 Foo", "Chapter 4. Bar") or short
// title-like paragraphs that open a block of prose. Used by the outline and to group the
// summary.
#include <string>
#include <vector>

#include "generate/document.hpp"

namespace sf::gen {

struct heading {
  std::size_t paragraph = 0;  // index into document::paragraphs
  int level = 1;              // 1 = chapter, 2 = section, ...
  std::string number;         // "3.2", empty when unnumbered
  std::string title;          // without the number
};

// Headings in document order, each title once.
std::vector<heading> find_headings(const document& doc);

}  // namespace sf::gen
