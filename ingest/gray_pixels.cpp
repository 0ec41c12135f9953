#include "ingest/gray_pixels.hpp"

namespace sf::ingest {

pix_ptr to_gray(PIX* src) {
  if (pixGetDepth(src) == 32) return pix_ptr(pixConvertRGBToGray(src, 0.0f, 0.0f, 0.0f));
  return pix_ptr(pixConvertTo8(src, 0));
}

pix_ptr read_gray(const std::string& path) {
  setMsgSeverity(L_SEVERITY_NONE);
  pix_ptr raw(pixRead(path.c_str()));
  if (!raw) return nullptr;
  return to_gray(raw.get());
}

page_pixels pack(PIX* p, int dpi) {
  page_pixels out;
  int w = pixGetWidth(p), h = pixGetHeight(p), wpl = pixGetWpl(p);
  out.bytes.resize(static_cast<std::size_t>(w) * static_cast<std::size_t>(h));
  const l_uint32* data = pixGetData(p);
  for (int y = 0; y < h; ++y) {
    const l_uint32* line = data + static_cast<std::ptrdiff_t>(y) * wpl;
    unsigned char* row = out.bytes.data() + static_cast<std::ptrdiff_t>(y) * w;
    for (int x = 0; x < w; ++x) row[x] = static_cast<unsigned char>(GET_DATA_BYTE(line, x));
  }
  out.image = {out.bytes.data(), w, h, w, dpi};
  return out;
}

}  // namespace sf::ingest
