#pragma once
// Flashcards as an Anki package (.apkg): a zip holding an Anki 2.1 collection (SQLite) with a
// Basic note type and one deck. Note ids and guids derive from the course and the card's
// front, so importing a newer export updates the notes instead of adding copies.
#include <nlohmann/json.hpp>
#include <string>

#include "common/error.hpp"

namespace sf::gen {

// `work_dir` is where the SQLite file is built (it is removed afterwards).
result<std::string> flashcards_apkg(const nlohmann::json& flashcards_content, const std::string& deck,
                                    const std::string& guid_seed, const std::string& work_dir, long long now_s);

// A zip archive of stored (uncompressed) entries.
std::string zip_store(const std::vector<std::pair<std::string, std::string>>& entries);

// SHA-1 as hex (Anki's note checksum uses it).
std::string sha1_hex(const std::string& data);

}  // namespace sf::gen
