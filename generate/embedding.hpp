#pragma once
// The offline embedding: hashed word unigrams and bigrams (feature hashing with a sign bit),
// L2-normalised. Cheap, deterministic and good enough to tell "the same request about the
// same text" from a different one; a provider's /v1/embeddings can replace it.
#include <array>
#include <string>
#include <string_view>

namespace sf::gen {

inline constexpr std::size_t embedding_dims = 256;
using embedding = std::array<float, embedding_dims>;

embedding embed(std::string_view text);
float cosine(const embedding& a, const embedding& b);  // both normalised: a dot product

std::string to_bytes(const embedding& e);
bool from_bytes(std::string_view bytes, embedding& out);

}  // namespace sf::gen
