#include "ingest/extract.hpp"

#include <fstream>
#include <sstream>

#include "ingest/image_text.hpp"
#include "ingest/mupdf_document.hpp"
#include "ingest/text_document.hpp"

namespace sf::ingest {
namespace {

bool starts(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

bool mupdf_type(const std::string& t) { return t == "application/pdf" || t == "application/epub+zip" || t == "text/html"; }

}  // namespace

bool needs_ocr_lane(const std::string& t) { return starts(t, "image/") || starts(t, "video/"); }

bool readable(const std::string& t) {
  return mupdf_type(t) || t == "text/plain" || starts(t, "image/") || starts(t, "video/");
}

result<document_text> extract_file(const std::string& path, const std::string& media_type, const extract_settings& s,
                                   const checkpoint& progress) {
  if (mupdf_type(media_type)) return extract_document(path, media_type, s.lim, s.ocr, progress);
  if (starts(media_type, "image/")) return extract_image(path, s.lim, s.ocr, progress);
  if (starts(media_type, "video/")) return extract_video(path, s.video, s.ocr, progress);
  if (media_type == "text/plain") {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (bytes.str().size() > s.max_text_bytes) return failure(errc::rejected, "too_large: the text file is too long");
    return extract_text(bytes.str(), s.video.segment_s);
  }
  return failure(errc::rejected, "unreadable: cannot read files of type " + media_type);
}

}  // namespace sf::ingest
