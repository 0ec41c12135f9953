#pragma once
// The deepest nesting of arrays and objects in a JSON text (strings are skipped), found without
// parsing it: checked first, so that a hostile text (a request body, a model provider's reply)
// cannot drive the recursion of what later copies or walks the parsed value.
#include <string>

namespace sf {

int json_depth(const std::string& text);

}  // namespace sf
