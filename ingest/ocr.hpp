#pragma once
// Tesseract behind a small interface. One engine per thread: Tesseract's API object is not
// thread-safe, and its own OpenMP threads must be off (OMP_THREAD_LIMIT=1, set by the binary
// before it starts) or parallel OCR runs many times slower.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace sf::ingest {

// 8-bit grey pixels, rows `stride` bytes apart.
struct gray_image {
  const unsigned char* data = nullptr;
  int width = 0;
  int height = 0;
  int stride = 0;
  int dpi = 300;
};

// A grey image that owns its pixels (a rendered page, a decoded photo).
struct page_pixels {
  std::vector<unsigned char> bytes;
  gray_image image;  // into `bytes`
};

struct ocr_text {
  std::string text;         // laid out like native page text: paragraphs split by blank lines
  double confidence = 0;    // Tesseract's mean word confidence, 0..100
};

// A part of a page that one engine reads alone: a text block of Tesseract's layout, or a run
// of at most a few lines of a long block.
struct ocr_region {
  int left = 0, top = 0, width = 0, height = 0;
  bool continues_block = false;  // the previous region is the same block's lines before these
  bool whole_page = false;       // read with Tesseract's own layout (sideways or vertical text)
};

// What an engine read in one region: Tesseract's raw text and mean word confidence.
struct region_text {
  std::string raw;
  double confidence = 0;
};

class ocr_engine;

// Gives a borrowed engine back to the idle ones of its language.
struct engine_return {
  std::string language;
  void operator()(ocr_engine* e) const;
};
using engine_lease = std::unique_ptr<ocr_engine, engine_return>;

class ocr_engine {
 public:
  // `language` names traineddata files, e.g. "eng" or "eng+deu".
  static result<std::unique_ptr<ocr_engine>> create(const std::string& language = "eng");
  // An idle engine of that language, or a new one. Loading a language model takes about 0.15 s,
  // so a node keeps a few idle engines between pages, images, frames and jobs.
  static result<engine_lease> borrow(const std::string& language = "eng");
  ~ocr_engine();

  ocr_text recognize(const gray_image& img);
  // The page's text regions in reading order (Tesseract's layout analysis), runs of at most
  // `max_lines` lines each so that several engines can share one page.
  std::vector<ocr_region> regions(const gray_image& img, int max_lines);
  region_text recognize(const gray_image& img, const ocr_region& region);
  // Clockwise rotation (0, 90, 180, 270) that makes the text upright, when Tesseract's
  // orientation detection is confident; nullopt otherwise.
  std::optional<int> upright_rotation(const gray_image& img);

 private:
  ocr_engine();
  struct impl;
  std::unique_ptr<impl> p_;
};

// Tesseract's text (lines, blank lines between blocks) in the project's page-text layout.
std::string layout_ocr_text(const std::string& tesseract_text);

// A page's text from its regions' texts, in order; the confidence is the regions' mean
// weighted by how many characters each read.
ocr_text join_regions(const std::vector<ocr_region>& regions, const std::vector<region_text>& texts);

}  // namespace sf::ingest
