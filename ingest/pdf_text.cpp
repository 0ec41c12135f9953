#include "ingest/pdf_text.hpp"

#include <memory>

extern "C" {
#include <mupdf/fitz.h>
}

#include "ingest/text_layout.hpp"

namespace sf::ingest {
namespace {

// MuPDF reports through callbacks; keep the last error for the rejection reason.
struct diagnostics {
  std::string last_error;
};

void on_error(void* user, const char* message) { static_cast<diagnostics*>(user)->last_error = message; }
void on_warning(void*, const char*) {}

struct context_deleter {
  void operator()(fz_context* ctx) const { fz_drop_context(ctx); }
};
using context_ptr = std::unique_ptr<fz_context, context_deleter>;

// fz_try uses setjmp/longjmp: nothing with a destructor may live inside these blocks.
fz_document* open_document(fz_context* ctx, const char* path) {
  fz_document* doc = nullptr;
  fz_try(ctx) { doc = fz_open_document(ctx, path); }
  fz_catch(ctx) { doc = nullptr; }
  return doc;
}

int count_pages(fz_context* ctx, fz_document* doc) {
  int n = -1;
  fz_try(ctx) { n = fz_count_pages(ctx, doc); }
  fz_catch(ctx) { n = -1; }
  return n;
}

fz_stext_page* load_stext(fz_context* ctx, fz_document* doc, int index) {
  fz_stext_page* st = nullptr;
  fz_stext_options opts{};
  opts.flags = 0;  // ligatures expanded, whitespace normalised; hyphens handled by text_layout
  fz_try(ctx) { st = fz_new_stext_page_from_page_number(ctx, doc, index, &opts); }
  fz_catch(ctx) { st = nullptr; }
  return st;
}

// Copies MuPDF's blocks and lines into plain structures, outside any fz_try.
std::vector<layout_block> read_blocks(const fz_stext_page* st) {
  std::vector<layout_block> blocks;
  for (const fz_stext_block* b = st->first_block; b; b = b->next) {
    if (b->type != FZ_STEXT_BLOCK_TEXT) continue;
    layout_block block;
    for (const fz_stext_line* l = b->u.t.first_line; l; l = l->next) {
      std::u32string line;
      float size = 0;
      for (const fz_stext_char* c = l->first_char; c; c = c->next) {
        line.push_back(static_cast<char32_t>(c->c));
        size = std::max(size, c->size);
      }
      block.lines.push_back(std::move(line));
      block.font_size = std::max(block.font_size, size);
    }
    blocks.push_back(std::move(block));
  }
  return blocks;
}

}  // namespace

result<document_text> extract_pdf_text(const std::string& path, const limits& lim, const checkpoint& on_page) {
  context_ptr ctx{fz_new_context(nullptr, nullptr, FZ_STORE_DEFAULT)};
  if (!ctx) return failure(errc::internal, "cannot create a MuPDF context");
  diagnostics diag;
  fz_set_error_callback(ctx.get(), on_error, &diag);
  fz_set_warning_callback(ctx.get(), on_warning, nullptr);
  fz_register_document_handlers(ctx.get());

  fz_document* doc = open_document(ctx.get(), path.c_str());
  if (!doc) return failure(errc::rejected, "unreadable: not a readable PDF (" + (diag.last_error.empty() ? std::string("cannot open") : diag.last_error) + ")");
  auto doc_guard = std::unique_ptr<fz_document, std::function<void(fz_document*)>>(
      doc, [c = ctx.get()](fz_document* d) { fz_drop_document(c, d); });

  if (fz_needs_password(ctx.get(), doc))
    return failure(errc::rejected, "encrypted: the PDF needs a password to open");
  int total = count_pages(ctx.get(), doc);
  if (total < 0) return failure(errc::rejected, "unreadable: the PDF's page tree is broken (" + diag.last_error + ")");
  if (total == 0) return failure(errc::rejected, "empty: the PDF has no pages");
  if (total > lim.max_pages)
    return failure(errc::rejected, "too_many_pages: " + std::to_string(total) + " (the limit is " +
                                       std::to_string(lim.max_pages) + ")");

  document_text out;
  out.pages.reserve(static_cast<std::size_t>(total));
  for (int i = 0; i < total; ++i) {
    fz_stext_page* st = load_stext(ctx.get(), doc, i);
    page_text page{i + 1, "native", {}, -1};
    if (st) {
      page.text = layout_text(read_blocks(st));
      fz_drop_stext_page(ctx.get(), st);
    }
    // A page MuPDF cannot parse keeps empty text; the moderation gate judges the whole document.
    out.pages.push_back(std::move(page));
    ++out.native_pages;
    if (on_page && !on_page(i + 1, total)) return failure(errc::cancelled, "extraction cancelled");
  }
  return out;
}

}  // namespace sf::ingest
