// libFuzzer: the upload sniffer and the text extractor behind it (text, Markdown, subtitles,
// UTF-16), which read whatever a client sends.
#include <cstddef>
#include <cstdint>
#include <string>

#include "ingest/sniff.hpp"
#include "ingest/text_document.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  auto kind = sf::ingest::sniff(input);
  if (kind.kind == sf::ingest::media_kind::text) (void)sf::ingest::extract_text(input);
  return 0;
}
