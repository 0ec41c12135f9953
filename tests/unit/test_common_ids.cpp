#include <catch2/catch.hpp>
#include <set>

#include "common/ids.hpp"

TEST_CASE("new ids are version 4 UUIDs, lower case, and do not repeat") {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto id = sf::new_uuid();
    REQUIRE(sf::is_uuid(id));
    CHECK(id[14] == '4');
    CHECK(std::string("89ab").find(id[19]) != std::string::npos);
    CHECK(id.find_first_of("ABCDEF") == std::string::npos);
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);
}
