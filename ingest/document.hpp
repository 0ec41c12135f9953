#pragma once
// What extraction produces: the text of each page, with how it was obtained.
#include <functional>
#include <string>
#include <vector>

namespace sf::ingest {

struct page_text {
  int page = 0;                // 1-based page number (or a timestamp index for video)
  std::string method;          // "native" | "ocr" | "subtitle" | "asr"
  std::string text;            // paragraphs separated by blank lines
  double ocr_confidence = -1;  // 0..100 for OCRed pages
};

struct document_text {
  std::vector<page_text> pages;
  int native_pages = 0;
  int ocr_pages = 0;
  double mean_ocr_confidence = -1;
};

// Called after each page: (pages done, pages total). Returning false cancels the extraction.
using checkpoint = std::function<bool(int done, int total)>;

struct limits {
  int max_pages = 2000;
};

}  // namespace sf::ingest
