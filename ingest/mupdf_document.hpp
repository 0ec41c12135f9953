#pragma once
// PDF, EPUB and HTML through MuPDF: native text per page first; pages whose text layer is
// missing, too thin for their images, or garbage are rendered and OCRed, several at once.
#include <string>

#include "common/error.hpp"
#include "ingest/document.hpp"

namespace sf::ingest {

// `media_type`: application/pdf, application/epub+zip or text/html.
// Errors: rejected (encrypted, unreadable, empty, too many pages), cancelled.
result<document_text> extract_document(const std::string& path, const std::string& media_type, const limits& lim,
                                       const ocr_options& ocr, const checkpoint& progress);

}  // namespace sf::ingest
