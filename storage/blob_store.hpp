#pragma once
// Content-addressed files: blobs/<first two hex digits>/<sha256>. The same bytes are stored once.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace sf::storage {

struct blob_info {
  std::string sha256;  // lower-case hex
  std::uint64_t bytes = 0;
};

class blob_store {
 public:
  explicit blob_store(std::filesystem::path root);

  // A fresh path under the store for a file being received; move it in with adopt().
  std::filesystem::path temp_path() const;
  // Hashes `file` and moves it into place (or drops it when the content is already stored).
  result<blob_info> adopt(const std::filesystem::path& file);
  result<blob_info> put(std::string_view bytes);

  std::filesystem::path path_of(const std::string& sha256) const;
  bool contains(const std::string& sha256) const;
  void remove(const std::string& sha256);

 private:
  std::filesystem::path root_;
};

// sha256 of a whole file, streamed.
result<blob_info> hash_file(const std::filesystem::path& file);

}  // namespace sf::storage
