#include "common/hash.hpp"
#include "generate/embedding.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>

#include "generate/text_analysis.hpp"

namespace sf::gen {
namespace {

void add(embedding& e, std::uint64_t h, float weight) {
  e[h % embedding_dims] += (h >> 63) ? weight : -weight;
}

}  // namespace

embedding embed(std::string_view text) {
  embedding e{};
  std::string previous;
  std::string word;
  auto flush = [&] {
    if (word.empty()) return;
    add(e, fnv1a(word, fnv_basis_v1), 1.0f);
    if (!previous.empty()) add(e, fnv1a(word, fnv1a(previous + " ", fnv_basis_v1)), 0.5f);
    previous = std::move(word);
    word.clear();
  };
  for (std::size_t i = 0; i < text.size();) {
    char32_t c = text::next_cp(text, i);
    if (text::is_letter(c) || (c >= U'0' && c <= U'9')) utf8::append(word, text::to_lower(c));
    else flush();
  }
  flush();
  float norm = 0;
  for (float v : e) norm += v * v;
  if (norm > 0) {
    norm = std::sqrt(norm);
    for (float& v : e) v /= norm;
  }
  return e;
}

float cosine(const embedding& a, const embedding& b) {
  float dot = 0;
  for (std::size_t i = 0; i < embedding_dims; ++i) dot += a[i] * b[i];
  return dot;
}

std::string to_bytes(const embedding& e) {
  std::string out(sizeof(float) * embedding_dims, '\0');
  std::memcpy(out.data(), e.data(), out.size());
  return out;
}

bool from_bytes(std::string_view bytes, embedding& out) {
  if (bytes.size() != sizeof(float) * embedding_dims) return false;
  std::memcpy(out.data(), bytes.data(), bytes.size());
  return true;
}

}  // namespace sf::gen
