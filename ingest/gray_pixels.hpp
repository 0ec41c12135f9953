#pragma once
// Leptonica images as 8-bit grey, and copies of them in plain rows for Tesseract.
#include <leptonica/allheaders.h>

#include <memory>
#include <string>
#include <vector>

#include "ingest/ocr.hpp"

namespace sf::ingest {

struct pix_deleter {
  void operator()(PIX* p) const { pixDestroy(&p); }
};
using pix_ptr = std::unique_ptr<PIX, pix_deleter>;

// The image at `path` in 8-bit grey, or null when Leptonica cannot decode it.
pix_ptr read_gray(const std::string& path);
pix_ptr to_gray(PIX* src);

// Leptonica keeps 8-bit pixels inside 32-bit words (byte order swapped on little-endian
// machines); Tesseract's raw interface wants plain rows, so the pixels are copied out.
page_pixels pack(PIX* p, int dpi);

}  // namespace sf::ingest
