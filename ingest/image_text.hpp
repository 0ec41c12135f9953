#pragma once
// Photos, scans and screenshots: refused unread when too large, turned upright, deskewed and
// OCRed. Leptonica decodes (PNG, JPEG, TIFF, GIF, BMP, WebP).
#include <string>

#include "common/error.hpp"
#include "ingest/document.hpp"

namespace sf::ingest {

// One page of OCR text. Errors: rejected (too large, undecodable), cancelled.
result<document_text> extract_image(const std::string& path, const limits& lim, const ocr_options& ocr,
                                    const checkpoint& progress);

}  // namespace sf::ingest
