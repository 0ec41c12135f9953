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

// Files' times as wall-clock times (the file clock's epoch is not the system clock's in C++17
// libraries, and std::chrono::clock_cast is not in this one).
std::chrono::system_clock::time_point written_at(const fs::path& p, std::error_code& ec) {
  auto t = fs::last_write_time(p, ec);
  return std::chrono::system_clock::now() +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(t - fs::file_time_type::clock::now());
}

}  // namespace

blob_store::blob_store(fs::path root) : root_(std::move(root)) {
  fs::create_directories(root_ / "tmp");
  fs::create_directories(root_ / "unreferenced");
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
    fs::last_write_time(target, fs::file_time_type::clock::now(), ec);  // in use again: see used_since
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

void blob_store::mark_unreferenced(const std::string& sha256) {
  if (!is_hex_sha(sha256)) return;
  std::ofstream touch(root_ / "unreferenced" / sha256);
}

void blob_store::unmark(const std::string& sha256) {
  std::error_code ec;
  if (is_hex_sha(sha256)) fs::remove(root_ / "unreferenced" / sha256, ec);
}

std::vector<std::string> blob_store::marked_before(std::chrono::system_clock::time_point t, std::size_t limit) const {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(root_ / "unreferenced", ec), end; !ec && it != end && out.size() < limit; it.increment(ec)) {
    auto name = it->path().filename().string();
    std::error_code tec;
    if (is_hex_sha(name) && written_at(it->path(), tec) < t && !tec) out.push_back(name);
  }
  return out;
}

bool blob_store::used_since(const std::string& sha256, std::chrono::system_clock::time_point t) const {
  std::error_code ec;
  auto at = written_at(path_of(sha256), ec);
  return !ec && at >= t;
}

int blob_store::remove_temp_before(std::chrono::system_clock::time_point t, std::size_t limit) {
  int removed = 0;
  std::error_code ec;
  std::vector<fs::path> old;
  for (fs::directory_iterator it(root_ / "tmp", ec), end; !ec && it != end && old.size() < limit; it.increment(ec)) {
    std::error_code tec;
    if (written_at(it->path(), tec) < t && !tec) old.push_back(it->path());
  }
  for (const auto& p : old) removed += fs::remove_all(p, ec) > 0;
  return removed;
}

}  // namespace sf::storage
