#pragma once
// Content-addressed files: blobs/<first two hex digits>/<sha256>. The same bytes are stored once.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

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

  // Tidying. A blob is stored before its source row commits; when that commit fails the blob
  // is marked, and a sweep removes it later if still no row names it. adopt() of bytes already
  // stored renews the blob's time, so a blob some upload is about to name looks in use.
  void mark_unreferenced(const std::string& sha256);
  std::vector<std::string> marked_before(std::chrono::system_clock::time_point t, std::size_t limit) const;
  void unmark(const std::string& sha256);
  // Whether the blob was stored or adopted again after `t` (or is gone: nothing to remove).
  bool used_since(const std::string& sha256, std::chrono::system_clock::time_point t) const;
  // Received files of uploads that never finished (a node killed mid-upload) and other temp
  // files last written before `t`. Returns how many were removed.
  int remove_temp_before(std::chrono::system_clock::time_point t, std::size_t limit);

 private:
  std::filesystem::path root_;
};

// sha256 of a whole file, streamed.
result<blob_info> hash_file(const std::filesystem::path& file);

}  // namespace sf::storage
