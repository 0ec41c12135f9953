#include "ingest/mupdf_document.hpp"

#include <algorithm>
#include <cmath>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>

extern "C" {
#include <mupdf/fitz.h>
}

#include "ingest/ocr.hpp"
#include "ingest/ocr_pass.hpp"
#include "ingest/page_judge.hpp"
#include "ingest/text_layout.hpp"

namespace sf::ingest {
namespace {

// --- MuPDF plumbing: a memory cap, errors kept for reasons ----

// Every allocation carries its size in front, so the cap can be kept across threads.
struct memory_cap {
  std::atomic<std::size_t> used{0};
  std::size_t cap = 0;
};
constexpr std::size_t header = 16;  // keeps MuPDF's 16-byte alignment

void* cap_malloc(void* user, std::size_t size) {
  auto* m = static_cast<memory_cap*>(user);
  if (m->used.fetch_add(size) + size > m->cap) {
    m->used.fetch_sub(size);
    return nullptr;  // MuPDF turns this into an exception: the page fails, the node lives
  }
  auto* p = static_cast<char*>(std::malloc(size + header));
  if (!p) {
    m->used.fetch_sub(size);
    return nullptr;
  }
  *reinterpret_cast<std::size_t*>(p) = size;
  return p + header;
}

void cap_free(void* user, void* ptr) {
  if (!ptr) return;
  auto* p = static_cast<char*>(ptr) - header;
  static_cast<memory_cap*>(user)->used.fetch_sub(*reinterpret_cast<std::size_t*>(p));
  std::free(p);
}

void* cap_realloc(void* user, void* ptr, std::size_t size) {
  if (!ptr) return cap_malloc(user, size);
  if (size == 0) {
    cap_free(user, ptr);
    return nullptr;
  }
  auto* m = static_cast<memory_cap*>(user);
  auto* p = static_cast<char*>(ptr) - header;
  std::size_t old = *reinterpret_cast<std::size_t*>(p);
  if (size > old && m->used.fetch_add(size - old) + (size - old) > m->cap) {
    m->used.fetch_sub(size - old);
    return nullptr;
  }
  auto* q = static_cast<char*>(std::realloc(p, size + header));
  if (!q) {
    if (size > old) m->used.fetch_sub(size - old);
    return nullptr;
  }
  if (size < old) m->used.fetch_sub(old - size);
  *reinterpret_cast<std::size_t*>(q) = size;
  return q + header;
}

struct diagnostics {
  std::string last_error;
};
void on_error(void* user, const char* message) { static_cast<diagnostics*>(user)->last_error = message; }
void on_warning(void*, const char*) {}

struct context_deleter {
  void operator()(fz_context* ctx) const { fz_drop_context(ctx); }
};
using context_ptr = std::unique_ptr<fz_context, context_deleter>;

// A document dropped with the context that opened it (declare it after that context).
struct document_ref {
  fz_context* ctx = nullptr;
  fz_document* doc = nullptr;
  ~document_ref() {
    if (doc) fz_drop_document(ctx, doc);
  }
};

const char* magic_of(const std::string& media_type) {
  if (media_type == "application/epub+zip") return "application/epub+zip";
  if (media_type == "text/html") return "text/html";
  return "application/pdf";
}

// fz_try uses setjmp/longjmp: nothing with a destructor may live inside these blocks.
fz_document* open_document(fz_context* ctx, const char* path, const char* magic) {
  fz_document* doc = nullptr;
  fz_stream* stm = nullptr;
  fz_var(stm);
  fz_var(doc);
  fz_try(ctx) {
    stm = fz_open_file(ctx, path);
    doc = fz_open_document_with_stream(ctx, magic, stm);
  }
  fz_always(ctx) { fz_drop_stream(ctx, stm); }
  fz_catch(ctx) { doc = nullptr; }
  return doc;
}

int count_pages(fz_context* ctx, fz_document* doc) {
  int n = -1;
  fz_var(n);
  fz_try(ctx) { n = fz_count_pages(ctx, doc); }
  fz_catch(ctx) { n = -1; }
  return n;
}

fz_stext_page* load_stext(fz_context* ctx, fz_document* doc, int index) {
  fz_stext_page* st = nullptr;
  fz_var(st);
  fz_stext_options opts{};
  opts.flags = FZ_STEXT_PRESERVE_IMAGES;  // image blocks tell scans from text pages
  fz_try(ctx) { st = fz_new_stext_page_from_page_number(ctx, doc, index, &opts); }
  fz_catch(ctx) { st = nullptr; }
  return st;
}

fz_pixmap* render_gray(fz_context* ctx, fz_document* doc, int index, float scale) {
  fz_pixmap* pix = nullptr;
  fz_var(pix);
  fz_try(ctx) { pix = fz_new_pixmap_from_page_number(ctx, doc, index, fz_scale(scale, scale), fz_device_gray(ctx), 0); }
  fz_catch(ctx) { pix = nullptr; }
  return pix;
}

double area(const fz_rect& r) { return std::max(0.f, r.x1 - r.x0) * std::max(0.f, r.y1 - r.y0); }

struct native_page {
  std::string text;
  page_signals signals;
  double width_pt = 612, height_pt = 792;
};

// Copies MuPDF's blocks into plain structures, outside any fz_try.
native_page read_page(const fz_stext_page* st) {
  native_page out;
  std::vector<layout_block> blocks;
  double images = 0;
  for (const fz_stext_block* b = st->first_block; b; b = b->next) {
    if (b->type == FZ_STEXT_BLOCK_IMAGE) {
      images += area(b->bbox);
      continue;
    }
    layout_block block;
    for (const fz_stext_line* l = b->u.t.first_line; l; l = l->next) {
      std::u32string line;
      const fz_stext_char* prev = nullptr;
      for (const fz_stext_char* c = l->first_char; c; c = c->next) {
        // A footnote mark raised or set small against the word it touches ("19Deciding") is a
        // word of its own.
        bool apart = prev && prev->c != ' ' && c->c != ' ' &&
                     (std::abs(c->size - prev->size) > 0.25f * std::max(c->size, prev->size) ||
                      std::abs(c->origin.y - prev->origin.y) > 0.2f * std::max(c->size, prev->size));
        if (apart) line.push_back(U' ');
        line.push_back(static_cast<char32_t>(c->c));
        prev = c;
      }
      block.lines.push_back(std::move(line));
    }
    blocks.push_back(std::move(block));
  }
  out.text = layout_text(blocks);
  out.signals = measure_text(out.text);
  double page = area(st->mediabox);
  out.width_pt = st->mediabox.x1 - st->mediabox.x0;
  out.height_pt = st->mediabox.y1 - st->mediabox.y0;
  out.signals.image_coverage = page > 0 ? std::min(1.0, images / page) : 0;
  return out;
}

// The largest scale up to `dpi` whose rendering stays within `max_pixels`.
float render_scale(const native_page& p, int dpi, std::uint64_t max_pixels) {
  double scale = dpi / 72.0;
  double pixels = p.width_pt * p.height_pt * scale * scale;
  if (pixels > static_cast<double>(max_pixels)) scale *= std::sqrt(static_cast<double>(max_pixels) / pixels);
  return static_cast<float>(scale);
}

struct ocr_job {
  int index = 0;  // 0-based page
  float scale = 1;
  ocr_text result;
  bool rendered = false;
};

// MuPDF keeps some state process-wide (OpenJPEG's and HarfBuzz's allocator hooks), guarded by
// FZ_LOCK_FREETYPE, so that lock is one mutex shared by every context. The others guard a
// context's own store and caches; our contexts are never cloned, so those can be no-ops and
// the many allocations of a native pass take no lock.
std::mutex font_lock;
void lock_fn(void*, int i) {
  if (i == FZ_LOCK_FREETYPE) font_lock.lock();
}
void unlock_fn(void*, int i) {
  if (i == FZ_LOCK_FREETYPE) font_lock.unlock();
}
fz_locks_context shared_locks{nullptr, lock_fn, unlock_fn};

// A context with our allocator (the memory cap), quiet diagnostics and document handlers.
// Errors go to `diag` when given.
context_ptr new_context(fz_alloc_context* alloc, diagnostics* diag) {
  context_ptr ctx{fz_new_context(alloc, &shared_locks, FZ_STORE_DEFAULT)};
  if (!ctx) return ctx;
  if (diag) fz_set_error_callback(ctx.get(), on_error, diag);
  else fz_set_error_callback(ctx.get(), on_warning, nullptr);
  fz_set_warning_callback(ctx.get(), on_warning, nullptr);
  fz_register_document_handlers(ctx.get());
  return ctx;
}

// The caller's own context and document: where items run when no worker could open a copy.
struct main_document {
  fz_context* ctx;
  fz_document* doc;
};

// What a worker's loop gets from in_parallel: whether to stop, and how to say an item is done
// (from any thread).
struct worker_hooks {
  std::function<bool()> stopped;
  std::function<void()> item_done;
};

// Runs `workers` workers over `count` items. Each worker has a context of its own (not a clone:
// clones share one allocator lock and store, and two threads on them read native text slower
// than one) with its share of `memory_bytes`, and its own copy of the document.
// `work(ctx, doc, hooks)` is a worker's whole loop; it takes items from state the workers share
// and reports each item done once. The calling thread reports progress as `step` and stops the
// workers when the checkpoint says so. If no worker can open a copy, one loop runs on `main`.
// Errors: cancelled, or internal when a worker threw.
template <class Work>
result<void> in_parallel(main_document main, std::size_t memory_bytes, const std::string& path, const char* magic,
                         std::size_t count, int workers, const char* step, const checkpoint& progress, Work work) {
  int n = std::max(1, workers);
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::condition_variable cv;
  std::size_t done = 0;
  int gave_up = 0;  // workers that could not open their copy
  int ended = 0;
  std::string failure_message;
  // On the calling thread only: a checkpoint that says stop stops every worker.
  auto report = [&](std::size_t items_done) {
    if (!stop && progress && !progress(static_cast<int>(items_done), static_cast<int>(count), step)) stop = true;
  };
  auto run_guarded = [&](fz_context* ctx, fz_document* doc, const worker_hooks& hooks) {
    try {
      work(ctx, doc, hooks);
    } catch (const std::exception& e) {
      std::lock_guard lock(mu);
      if (failure_message.empty()) failure_message = e.what();
      stop = true;
    } catch (...) {
      std::lock_guard lock(mu);
      if (failure_message.empty()) failure_message = "unknown error";
      stop = true;
    }
  };
  worker_hooks threaded{[&] { return stop.load(); }, [&] {
                          std::lock_guard lock(mu);
                          ++done;
                          cv.notify_one();
                        }};
  auto worker = [&] {
    memory_cap cap;
    cap.cap = memory_bytes / static_cast<std::size_t>(n);
    fz_alloc_context alloc{&cap, cap_malloc, cap_realloc, cap_free};
    context_ptr ctx = new_context(&alloc, nullptr);
    document_ref d{ctx.get(), ctx ? open_document(ctx.get(), path.c_str(), magic) : nullptr};
    if (d.doc) run_guarded(ctx.get(), d.doc, threaded);
    std::lock_guard lock(mu);
    if (!d.doc) ++gave_up;
    ++ended;
    cv.notify_one();
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < n; ++t) pool.emplace_back(worker);
  {
    std::unique_lock lock(mu);
    std::size_t reported = 0;
    while (reported < count) {
      cv.wait(lock, [&] { return done > reported || ended == n; });
      if (done == reported) break;  // every worker has ended
      reported = done;
      lock.unlock();
      report(reported);
      lock.lock();
    }
  }
  for (auto& t : pool) t.join();
  if (gave_up == n) {
    std::size_t reported = 0;
    worker_hooks here{[&] { return stop.load(); }, [&] { report(++reported); }};
    run_guarded(main.ctx, main.doc, here);
  }
  if (!failure_message.empty()) return failure(errc::internal, "reading the document failed: " + failure_message);
  if (stop) return failure(errc::cancelled, "extraction cancelled");
  return success();
}

// A rendered page copied out of MuPDF, so that any worker may read it and its own context
// frees the pixmap at once.
std::optional<page_pixels> render_page(fz_context* ctx, fz_document* doc, const ocr_job& job) {
  fz_pixmap* pix = render_gray(ctx, doc, job.index, job.scale);
  if (!pix) return std::nullopt;
  page_pixels out;
  int w = fz_pixmap_width(ctx, pix), h = fz_pixmap_height(ctx, pix);
  std::ptrdiff_t stride = fz_pixmap_stride(ctx, pix);
  const unsigned char* src = fz_pixmap_samples(ctx, pix);
  out.bytes.resize(static_cast<std::size_t>(w) * static_cast<std::size_t>(h));
  for (int y = 0; y < h; ++y)
    std::copy_n(src + y * stride, w, out.bytes.data() + static_cast<std::ptrdiff_t>(y) * w);
  fz_drop_pixmap(ctx, pix);
  out.image = {out.bytes.data(), w, h, w, static_cast<int>(job.scale * 72 + 0.5f)};
  return out;
}

// Every thread OCRs regions of every page (see ocr_pass), so even a one-page scan uses them all.
result<void> run_ocr(main_document main, std::size_t memory_bytes, const std::string& path, const char* magic,
                     std::vector<ocr_job>& jobs, const ocr_options& opts, const checkpoint& progress) {
  ocr_pass pass(jobs.size());
  return in_parallel(main, memory_bytes, path, magic, jobs.size(), opts.threads, "OCR page", progress,
                     [&](fz_context* ctx, fz_document* doc, const worker_hooks& hooks) {
    auto engine = ocr_engine::borrow(opts.language);
    if (!engine) return;  // the pages it would have read stay unread, with no text
    pass.work(
        *engine.value(), [&](std::size_t i) { return render_page(ctx, doc, jobs[i]); },
        [&](std::size_t i, ocr_text text, bool rendered) {
          jobs[i].result = std::move(text);
          jobs[i].rendered = rendered;
          hooks.item_done();
        },
        hooks.stopped);
  });
}

native_page native_text(fz_context* ctx, fz_document* doc, int index) {
  native_page np;
  if (fz_stext_page* st = load_stext(ctx, doc, index)) {
    np = read_page(st);
    fz_drop_stext_page(ctx, st);
  }
  return np;
}

// Below this many pages a second copy of the document costs more than it saves.
constexpr int parallel_native_min_pages = 16;

// The native pass. A long PDF is read by several workers, each with its own copy; EPUB and
// HTML are laid out whole when opened, so they stay on the one context that did that.
result<std::vector<native_page>> read_native(main_document main, std::size_t memory_bytes, const std::string& path,
                                             const char* magic, int total, int threads, const checkpoint& progress) {
  std::vector<native_page> pages(static_cast<std::size_t>(total));
  if (threads > 1 && total >= parallel_native_min_pages && std::string_view(magic) == "application/pdf") {
    std::atomic<std::size_t> next{0};
    BOOST_OUTCOME_TRYV(in_parallel(main, memory_bytes, path, magic, pages.size(), std::min(threads, total), "page", progress,
                                   [&](fz_context* c, fz_document* d, const worker_hooks& hooks) {
      for (std::size_t i = next++; i < pages.size() && !hooks.stopped(); i = next++) {
        pages[i] = native_text(c, d, static_cast<int>(i));
        hooks.item_done();
      }
    }));
    return pages;
  }
  for (int i = 0; i < total; ++i) {
    pages[static_cast<std::size_t>(i)] = native_text(main.ctx, main.doc, i);
    if (progress && !progress(i + 1, total, "page")) return failure(errc::cancelled, "extraction cancelled");
  }
  return pages;
}

}  // namespace

result<document_text> extract_document(const std::string& path, const std::string& media_type, const limits& lim,
                                       const ocr_options& ocr, const checkpoint& progress) {
  memory_cap cap;
  cap.cap = lim.max_memory_bytes;
  fz_alloc_context alloc{&cap, cap_malloc, cap_realloc, cap_free};
  diagnostics diag;
  context_ptr ctx = new_context(&alloc, &diag);
  if (!ctx) return failure(errc::internal, "cannot create a MuPDF context");

  const char* magic = magic_of(media_type);
  document_ref main{ctx.get(), open_document(ctx.get(), path.c_str(), magic)};
  if (!main.doc)
    return failure(errc::rejected,
                   "unreadable: not a readable document (" + (diag.last_error.empty() ? std::string("cannot open") : diag.last_error) + ")");
  if (fz_needs_password(ctx.get(), main.doc)) return failure(errc::rejected, "encrypted: the PDF needs a password to open");
  int total = count_pages(ctx.get(), main.doc);
  if (total < 0) return failure(errc::rejected, "unreadable: the document's page tree is broken (" + diag.last_error + ")");
  if (total == 0) return failure(errc::rejected, "empty: the document has no pages");
  if (total > lim.max_pages)
    return failure(errc::rejected, "too_many_pages: " + std::to_string(total) + " (the limit is " + std::to_string(lim.max_pages) + ")");

  document_text out;
  out.pages.reserve(static_cast<std::size_t>(total));
  // Workers share what the main document leaves of the cap, once its cache is emptied.
  auto spare = [&] {
    fz_empty_store(ctx.get());
    std::size_t used = cap.used.load();
    return cap.cap > used ? cap.cap - used : 0;
  };
  main_document here{ctx.get(), main.doc};
  BOOST_OUTCOME_TRY(natives, read_native(here, spare(), path, magic, total, ocr.threads, progress));
  std::vector<ocr_job> jobs;
  for (int i = 0; i < total; ++i) {
    auto& np = natives[static_cast<std::size_t>(i)];
    auto verdict = judge_page(np.signals);
    out.pages.push_back({i + 1, "native", verdict == page_verdict::ocr ? std::string() : std::move(np.text), -1, -1});
    if (verdict == page_verdict::ocr) {
      out.pages_needing_ocr.push_back(i + 1);
      jobs.push_back({i, render_scale(np, ocr.dpi, lim.max_page_pixels), {}, false});
    }
  }

  if (ocr.enabled && !jobs.empty()) {
    BOOST_OUTCOME_TRYV(run_ocr(here, spare(), path, magic, jobs, ocr, progress));
    for (const auto& job : jobs) {
      auto& page = out.pages[static_cast<std::size_t>(job.index)];
      page.method = "ocr";
      page.text = job.result.text;
      page.ocr_confidence = job.rendered ? job.result.confidence : 0;
    }
    out.pages_needing_ocr.clear();
  }
  tally(out);
  return out;
}

}  // namespace sf::ingest
