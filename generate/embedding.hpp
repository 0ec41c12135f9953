#pragma once
// Embeddings: vectors whose cosine tells "the same request about the same text" from a
// different one. The offline one hashes word unigrams and bigrams (feature hashing with a sign
// bit) into 256 dimensions: cheap and deterministic. A provider's /v1/embeddings (see
// provider.hpp) may replace it; vectors of different models are never compared.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sf::gen {

using embedding = std::vector<float>;

inline constexpr std::size_t offline_embedding_dims = 256;
// Stored next to every vector, so a change of model never compares unlike vectors.
inline constexpr const char* offline_embedding_model = "offline-hashed-ngrams-256";

// Calls `f(feature, weight)` for each lower-cased word of `text` (weight 1) and each pair of
// adjacent words, "first second" (weight 0.5). With `content_only`, English and German
// stopwords are skipped and pairs join the content words around them.
void for_each_feature(std::string_view text, bool content_only, const std::function<void(const std::string&, float)>& f);

embedding embed_offline(std::string_view text);
void normalise(embedding& e);
// Both normalised: a dot product. 0 for vectors of different dimensions.
float cosine(const embedding& a, const embedding& b);

std::string to_bytes(const embedding& e);  // float32, host order
bool from_bytes(std::string_view bytes, embedding& out);

}  // namespace sf::gen
