#include "ingest/document.hpp"

namespace sf::ingest {

void tally(document_text& d) {
  d.native_pages = d.ocr_pages = 0;
  double confidence = 0;
  for (const auto& p : d.pages) {
    if (p.method == "ocr") {
      ++d.ocr_pages;
      confidence += p.ocr_confidence;
    } else {
      ++d.native_pages;
    }
  }
  d.mean_ocr_confidence = d.ocr_pages ? confidence / d.ocr_pages : -1;
}

}  // namespace sf::ingest
