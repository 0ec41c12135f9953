#pragma once
// What extraction produces: the text of each page, with how it was obtained.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace sf::ingest {

struct page_text {
  int page = 0;                // 1-based page number (for video: the segment's number)
  std::string method;          // "native" | "ocr" | "subtitle" | "asr"
  std::string text;            // paragraphs separated by blank lines
  double ocr_confidence = -1;  // 0..100 for OCRed pages
  double start_seconds = -1;   // where a video segment starts
};

struct document_text {
  std::vector<page_text> pages;
  int native_pages = 0;
  int ocr_pages = 0;
  double mean_ocr_confidence = -1;
  std::vector<int> pages_needing_ocr;  // 1-based; filled when OCR was not allowed in this pass
};

// Called as work advances: (`done` of `total` units of `phase`, e.g. "page" or "OCR page").
// Returning false cancels the extraction.
using checkpoint = std::function<bool(int done, int total, const char* phase)>;

struct limits {
  int max_pages = 2000;
  std::uint64_t max_image_pixels = 100'000'000;  // images larger than this are refused unread
  std::uint64_t max_page_pixels = 40'000'000;    // a rendered page is scaled down to fit
  std::uint64_t max_memory_bytes = 1ull << 30;   // MuPDF's allocations for one document
};

struct ocr_options {
  bool enabled = false;  // false: report the pages that need OCR instead of doing it
  int threads = 1;       // pages read at once (OCR, and the native text of long PDFs), one thread each
  int dpi = 300;
  std::string language = "eng";
};

// The sum of pages' methods and OCR confidences.
void tally(document_text& d);

}  // namespace sf::ingest
