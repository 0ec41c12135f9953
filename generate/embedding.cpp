#include "generate/embedding.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>

#include "common/hash.hpp"
#include "generate/stopwords.hpp"
#include "generate/text_analysis.hpp"

namespace sf::gen {

void for_each_feature(std::string_view text, bool content_only, const std::function<void(const std::string&, float)>& f) {
  std::string previous;
  std::string word;
  auto flush = [&] {
    if (word.empty()) return;
    if (content_only && (text::is_stopword(word, text::language::en) || text::is_stopword(word, text::language::de))) {
      word.clear();
      return;
    }
    f(word, 1.0f);
    if (!previous.empty()) f(previous + " " + word, 0.5f);
    previous = std::move(word);
    word.clear();
  };
  for (std::size_t i = 0; i < text.size();) {
    char32_t c = text::next_cp(text, i);
    if (text::is_letter(c) || (c >= U'0' && c <= U'9')) utf8::append(word, text::to_lower(c));
    else flush();
  }
  flush();
}

embedding embed_offline(std::string_view text) {
  embedding e(offline_embedding_dims, 0.0f);
  for_each_feature(text, false, [&](const std::string& feature, float weight) {
    const std::uint64_t h = fnv1a(feature, fnv_basis_v1);
    e[h % offline_embedding_dims] += (h >> 63) ? weight : -weight;
  });
  normalise(e);
  return e;
}

void normalise(embedding& e) {
  double norm = 0;
  for (float v : e) norm += static_cast<double>(v) * v;
  if (norm <= 0) return;
  const auto inv = static_cast<float>(1.0 / std::sqrt(norm));
  for (float& v : e) v *= inv;
}

float cosine(const embedding& a, const embedding& b) {
  if (a.size() != b.size()) return 0;
  float dot = 0;
  for (std::size_t i = 0; i < a.size(); ++i) dot += a[i] * b[i];
  return dot;
}

std::string to_bytes(const embedding& e) {
  std::string out(sizeof(float) * e.size(), '\0');
  std::memcpy(out.data(), e.data(), out.size());
  return out;
}

bool from_bytes(std::string_view bytes, embedding& out) {
  if (bytes.empty() || bytes.size() % sizeof(float) != 0) return false;
  out.resize(bytes.size() / sizeof(float));
  std::memcpy(out.data(), bytes.data(), bytes.size());
  return true;
}

}  // namespace sf::gen
