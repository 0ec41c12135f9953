#include "ingest/sniff.hpp"

#include "common/utf8.hpp"

#include <algorithm>
#include <cctype>

namespace sf::ingest {
namespace {

bool starts(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::string lower_prefix(std::string_view s, std::size_t n) {
  std::string out(s.substr(0, n));
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// ISO base media (MP4, MOV, 3GP): a box whose type is "ftyp" at offset 4.
bool is_iso_bmff(std::string_view s) { return s.size() >= 12 && s.substr(4, 4) == "ftyp"; }

}  // namespace

sniffed sniff(std::string_view s) {
  if (s.empty()) return {media_kind::empty, "application/x-empty"};
  // PDF allows up to 1 KiB of junk before the header.
  if (s.substr(0, 1024).find("%PDF-") != std::string_view::npos) return {media_kind::pdf, "application/pdf"};
  if (starts(s, "\x89PNG\r\n\x1a\n")) return {media_kind::image, "image/png"};
  if (starts(s, "\xff\xd8\xff")) return {media_kind::image, "image/jpeg"};
  if (starts(s, "II*\0") || starts(s, std::string_view("MM\0*", 4))) return {media_kind::image, "image/tiff"};
  if (starts(s, "GIF87a") || starts(s, "GIF89a")) return {media_kind::image, "image/gif"};
  if (starts(s, "BM") && s.size() > 14) return {media_kind::image, "image/bmp"};
  if (starts(s, "RIFF") && s.size() >= 12 && s.substr(8, 4) == "WEBP") return {media_kind::image, "image/webp"};
  if (starts(s, "RIFF") && s.size() >= 12 && s.substr(8, 4) == "AVI ") return {media_kind::video, "video/x-msvideo"};
  if (starts(s, "\x1a\x45\xdf\xa3")) {
    bool webm = s.substr(0, 64).find("webm") != std::string_view::npos;
    return {media_kind::video, webm ? "video/webm" : "video/x-matroska"};
  }
  if (is_iso_bmff(s)) return {media_kind::video, s.substr(8, 2) == "qt" ? "video/quicktime" : "video/mp4"};
  if (starts(s, "PK\x03\x04")) {
    // EPUB: the first entry is an uncompressed file "mimetype" holding the type.
    if (s.size() > 58 && s.substr(30, 8) == "mimetype" && s.substr(38, 20) == "application/epub+zip")
      return {media_kind::epub, "application/epub+zip"};
    return {media_kind::unknown, "application/zip"};
  }
  if (starts(s, "\x1f\x8b")) return {media_kind::unknown, "application/gzip"};
  if (starts(s, "\x7f" "ELF")) return {media_kind::unknown, "application/x-executable"};

  std::string_view body = starts(s, "\xef\xbb\xbf") ? s.substr(3) : s;
  bool has_nul = body.find('\0') != std::string_view::npos;
  // UTF-16 with a byte-order mark is text too; extraction converts it.
  if (starts(s, "\xff\xfe") || starts(s, "\xfe\xff")) return {media_kind::text, "text/plain"};
  if (has_nul || !utf8::valid(body, true)) {
    // Mostly printable bytes without a valid UTF-8 reading: text in a legacy encoding.
    std::size_t printable = 0;
    for (unsigned char c : body) printable += (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\r' || c == '\t';
    if (!has_nul && printable * 10 >= body.size() * 9) return {media_kind::unknown, "text/plain; charset=unknown"};
    return {media_kind::unknown, "application/octet-stream"};
  }
  std::string head = lower_prefix(body.substr(body.find_first_not_of(" \t\r\n") == std::string_view::npos
                                                  ? 0 : body.find_first_not_of(" \t\r\n")), 256);
  if (starts(head, "<!doctype html") || starts(head, "<html") || head.find("<html") != std::string::npos)
    return {media_kind::html, "text/html"};
  return {media_kind::text, "text/plain"};
}

}  // namespace sf::ingest
