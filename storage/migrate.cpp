#include "storage/migrate.hpp"

#include <pqxx/pqxx>

#include "storage/pool.hpp"

namespace sf::storage {
namespace {
// Any constant shared by all nodes; "sfmigr" in ASCII.
constexpr long long migration_lock_key = 0x73666d696772;
}

result<int> migrate(const std::string& database_url) {
  try {
    pqxx::connection c{database_url};
    pqxx::nontransaction session(c);
    session.exec("select pg_advisory_lock(" + std::to_string(migration_lock_key) + ")");
    int applied = 0;
    try {
      session.exec(
          "create table if not exists schema_migrations ("
          " version int primary key, name text not null, applied_at timestamptz not null default now())");
      for (const auto& m : migrations()) {
        auto done = session.exec_params("select 1 from schema_migrations where version = $1", m.version);
        if (!done.empty()) continue;
        session.exec("begin");
        session.exec(m.sql);
        session.exec_params("insert into schema_migrations (version, name) values ($1, $2)", m.version, m.name);
        session.exec("commit");
        ++applied;
      }
    } catch (...) {
      session.exec("rollback");
      session.exec("select pg_advisory_unlock(" + std::to_string(migration_lock_key) + ")");
      throw;
    }
    session.exec("select pg_advisory_unlock(" + std::to_string(migration_lock_key) + ")");
    return applied;
  } catch (const std::exception& e) {
    auto err = classify(e);
    return failure(err.code, "migration failed: " + std::string(e.what()));
  }
}

}  // namespace sf::storage
