#include "storage/blob_store.hpp"

#include "common/digest.hpp"

#include <sodium.h>

#include <array>
#include <atomic>
#include <fstream>
#include <unistd.h>

namespace sf::storage {
namespace fs = std::filesystem;
namespace {

bool is_hex_sha(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

blob_store::blob_store(fs::path root) : root_(std::move(root)) {
  fs::create_directories(root_ / "tmp");
}

fs::path blob_store::temp_path() const {
  static std::atomic<std::uint64_t> counter{0};
  return root_ / "tmp" / ("upload-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + "-" +
                          std::to_string(randombytes_random()));
}

result<blob_info> hash_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return failure(errc::internal, "cannot read " + file.filename().string());
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  std::array<char, 1 << 16> buf{};
  blob_info info;
  while (in) {
    in.read(buf.data(), buf.size());
    auto n = in.gcount();
    if (n <= 0) break;
    crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(buf.data()), static_cast<unsigned long long>(n));
    info.bytes += static_cast<std::uint64_t>(n);
  }
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256_final(&st, digest.data());
  info.sha256 = to_hex({reinterpret_cast<const char*>(digest.data()), digest.size()});
  return info;
}

result<blob_info> blob_store::adopt(const fs::path& file) {
  BOOST_OUTCOME_TRY(info, hash_file(file));
  auto target = path_of(info.sha256);
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (fs::exists(target, ec)) {
    fs::remove(file, ec);
  } else {
    fs::rename(file, target, ec);  // atomic within one file system
    if (ec) return failure(errc::internal, "cannot store blob: " + ec.message());
  }
  return info;
}

result<blob_info> blob_store::put(std::string_view bytes) {
  auto tmp = temp_path();
  {
    std::ofstream out(tmp, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) return failure(errc::internal, "cannot write blob");
  }
  return adopt(tmp);
}

fs::path blob_store::path_of(const std::string& sha256) const {
  return root_ / sha256.substr(0, 2) / sha256;
}

bool blob_store::contains(const std::string& sha256) const {
  std::error_code ec;
  return is_hex_sha(sha256) && fs::exists(path_of(sha256), ec);
}

void blob_store::remove(const std::string& sha256) {
  std::error_code ec;
  if (is_hex_sha(sha256)) fs::remove(path_of(sha256), ec);
}

}  // namespace sf::storage
