#pragma once
// Native PDF text per page through MuPDF.
#include <string>

#include "common/error.hpp"
#include "ingest/document.hpp"

namespace sf::ingest {

// Extracts the text layer of every page of the PDF at `path`.
// Errors: rejected (encrypted, no pages, too many pages, unreadable), cancelled.
result<document_text> extract_pdf_text(const std::string& path, const limits& lim, const checkpoint& on_page);

}  // namespace sf::ingest
