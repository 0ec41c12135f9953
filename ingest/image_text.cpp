#include "ingest/image_text.hpp"

#include <algorithm>
#include <atomic>

#include "ingest/gray_pixels.hpp"
#include "ingest/ocr_pass.hpp"

namespace sf::ingest {

result<document_text> extract_image(const std::string& path, const limits& lim, const ocr_options& ocr,
                                    const checkpoint& progress) {
  setMsgSeverity(L_SEVERITY_NONE);
  l_int32 format = 0, w = 0, h = 0, bps = 0, spp = 0, cmap = 0;
  if (pixReadHeader(path.c_str(), &format, &w, &h, &bps, &spp, &cmap) != 0 || w <= 0 || h <= 0)
    return failure(errc::rejected, "unreadable: the image cannot be decoded");
  auto pixels = static_cast<std::uint64_t>(w) * static_cast<std::uint64_t>(h);
  if (pixels > lim.max_image_pixels)
    return failure(errc::rejected, "too_large: the image is " + std::to_string(w) + "x" + std::to_string(h) +
                                       " pixels (the limit is " + std::to_string(lim.max_image_pixels) + " pixels)");
  pix_ptr gray = read_gray(path);
  if (!gray) return failure(errc::rejected, "unreadable: the image cannot be decoded");
  int dpi = pixGetXRes(gray.get()) >= 70 && pixGetXRes(gray.get()) <= 1200 ? pixGetXRes(gray.get()) : 300;
  if (progress && !progress(0, 1, "OCR page")) return failure(errc::cancelled, "extraction cancelled");

  BOOST_OUTCOME_TRY(engine, ocr_engine::borrow(ocr.language));
  // Upright first (a photo taken sideways), then straighten the small skew of a scan.
  if (auto rotation = engine->upright_rotation(pack(gray.get(), dpi).image); rotation && *rotation != 0) {
    if (PIX* turned = pixRotateOrth(gray.get(), (360 - *rotation) / 90 % 4)) gray.reset(turned);
  }
  l_float32 angle = 0, conf = 0;
  if (PIX* straight = pixFindSkewAndDeskew(gray.get(), 0, &angle, &conf)) gray.reset(straight);

  auto packed = pack(gray.get(), dpi);
  gray.reset();
  engine.reset();  // back on the shelf for the threads below
  // Every OCR thread reads regions of the one image. A thread that fails stops the others,
  // which would otherwise wait for regions of a page nobody will split.
  ocr_text text;
  ocr_pass pass(1);
  std::atomic<bool> failed{false};
  on_threads(std::max(1, ocr.threads), [&](int) {
    try {
      auto mine = ocr_engine::borrow(ocr.language);
      if (!mine) return;
      pass.work(
          *mine.value(), [&](std::size_t) { return std::optional<page_pixels>(std::move(packed)); },
          [&](std::size_t, ocr_text t, bool) { text = std::move(t); }, [&] { return failed.load(); });
    } catch (...) {
      failed = true;
    }
  });
  if (failed) return failure(errc::internal, "OCR of the image failed");
  if (progress && !progress(1, 1, "OCR page")) return failure(errc::cancelled, "extraction cancelled");
  document_text out;
  out.pages.push_back({1, "ocr", std::move(text.text), text.confidence, -1});
  tally(out);
  return out;
}

}  // namespace sf::ingest
