#pragma once
// One entry for every kind of source: picks the extractor by the sniffed media type.
#include <string>

#include "common/error.hpp"
#include "ingest/document.hpp"
#include "ingest/video.hpp"

namespace sf::ingest {

struct extract_settings {
  limits lim;
  ocr_options ocr;
  video_options video;
  std::uint64_t max_text_bytes = 64u << 20;
};

// What a media type needs: "ocr" work (images, video) runs on the OCR lane from the start.
bool needs_ocr_lane(const std::string& media_type);
// Whether studyforge reads this media type at all.
bool readable(const std::string& media_type);

// With `s.ocr.enabled` false, PDF pages that need OCR are listed in pages_needing_ocr instead.
result<document_text> extract_file(const std::string& path, const std::string& media_type, const extract_settings& s,
                                   const checkpoint& progress);

}  // namespace sf::ingest
