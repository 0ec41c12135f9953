// Tidying the blob store against the real PostgreSQL: a file stored for an upload whose
// source row never committed goes, unless a source names it or an upload adopted it again;
// files of uploads that never finished go once old.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>

#include "common/ids.hpp"
#include "storage/blob_store.hpp"
#include "storage/courses.hpp"
#include "storage/sources.hpp"
#include "storage/users.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Makes a file look last written `ago` ago.
void age(const fs::path& p, std::chrono::seconds ago) {
  fs::last_write_time(p, fs::file_time_type::clock::now() - ago);
}

}  // namespace

TEST_CASE("the sweep removes blobs no source names and unfinished uploads, and keeps the rest", "[store]") {
  auto root = fs::temp_directory_path() / ("sf-blob-tidy-" + sf::new_uuid());
  sf::storage::blob_store blobs(root);
  pqxx::connection conn{std::getenv("STUDYFORGE_DATABASE_URL") ? std::getenv("STUDYFORGE_DATABASE_URL") : ""};

  // Unique bytes, so rows of earlier runs never name them.
  auto orphan = blobs.put("orphan " + sf::new_uuid()).value().sha256;
  auto named = blobs.put("named " + sf::new_uuid()).value().sha256;
  const std::string again_bytes = "again " + sf::new_uuid();
  auto again = blobs.put(again_bytes).value().sha256;
  {
    pqxx::work tx(conn);
    auto owner = sf::storage::create_user(tx, "tidy-" + sf::new_uuid() + "@example.test", "not a real hash", false);
    REQUIRE(owner);
    auto course = sf::storage::create_course(tx, {owner->id, "Tidy", std::nullopt, std::nullopt, std::nullopt, {}}).id;
    sf::storage::create_source(tx, course, "named.txt", "text/plain", named, 10);
    tx.commit();
  }
  for (const auto& sha : {orphan, named, again}) {
    blobs.mark_unreferenced(sha);
    age(blobs.path_of(sha), 2h);
    age(root / "unreferenced" / sha, 2h);
  }
  // The same bytes uploaded again now: that upload may be about to name the blob.
  REQUIRE(blobs.put(again_bytes).value().sha256 == again);

  auto unfinished = blobs.temp_path(), arriving = blobs.temp_path();
  std::ofstream(unfinished) << "half an upload";
  std::ofstream(arriving) << "an upload still arriving";
  age(unfinished, 2h);

  sf::storage::blob_tidying done;
  {
    pqxx::work tx(conn);
    done = sf::storage::tidy_blobs(tx, blobs, std::chrono::system_clock::now() - 1h, 100);
    tx.commit();
  }
  CHECK(done.unreferenced_removed == 1);
  CHECK(done.temp_removed == 1);
  CHECK_FALSE(blobs.contains(orphan));
  CHECK(blobs.contains(named));
  CHECK(blobs.contains(again));
  CHECK_FALSE(fs::exists(unfinished));
  CHECK(fs::exists(arriving));
  // The named blob's mark is settled; the one adopted again is looked at in a later sweep.
  CHECK_FALSE(fs::exists(root / "unreferenced" / named));
  CHECK(fs::exists(root / "unreferenced" / again));
  fs::remove_all(root);
}
