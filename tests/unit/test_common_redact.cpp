#include <catch2/catch.hpp>

#include "common/redact.hpp"

using sf::without_password;

TEST_CASE("passwords in connection strings are hidden, the rest kept for the operator") {
  CHECK(without_password("nats://user:s3cret@127.0.0.1:4222") == "nats://user:***@127.0.0.1:4222");
  CHECK(without_password("postgresql://app:pa@ss/w0rd@db.example:5432/sf?sslmode=require") ==
        "postgresql://app:***@db.example:5432/sf?sslmode=require");
  CHECK(without_password("postgres//app:pw@db/sf") == "postgres//app:***@db/sf");  // a mistyped scheme
  CHECK(without_password("host=db user=app password=s3cret dbname=sf") == "host=db user=app password=*** dbname=sf");
  CHECK(without_password("nats://127.0.0.1:4222") == "nats://127.0.0.1:4222");
  CHECK(without_password("postgresql://app@db:5432/sf") == "postgresql://app@db:5432/sf");
  CHECK(without_password("") == "");
}
