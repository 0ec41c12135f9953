#include "storage/limits.hpp"

#include <pqxx/pqxx>

namespace sf::storage {

bool take_quota(pqxx::transaction_base& tx, const std::string& user_id, const std::string& kind, int limit) {
  if (limit <= 0) return true;
  auto res = tx.exec_params(
      "insert into quota_usage (user_id, kind, used) values ($1::uuid, $2, 1) on conflict (user_id, day, kind) "
      "do update set used = quota_usage.used + 1 where quota_usage.used < $3 returning used",
      user_id, kind, limit);
  return !res.empty();
}

void give_back_quota(pqxx::transaction_base& tx, const std::string& user_id, const std::string& kind) {
  tx.exec_params("update quota_usage set used = used - 1 where user_id = $1::uuid and kind = $2 and day = current_date "
                 "and used > 0",
                 user_id, kind);
}

int quota_used(pqxx::transaction_base& tx, const std::string& user_id, const std::string& kind) {
  auto res = tx.exec_params("select used from quota_usage where user_id = $1::uuid and kind = $2 and day = current_date",
                            user_id, kind);
  return res.empty() ? 0 : res[0][0].as<int>();
}

std::string shared_secret(pqxx::transaction_base& tx, const std::string& name, const std::string& candidate) {
  tx.exec_params("insert into shared_secrets (name, value) values ($1, $2) on conflict (name) do nothing", name, candidate);
  return tx.exec_params("select value from shared_secrets where name = $1", name)[0][0].as<std::string>();
}

}  // namespace sf::storage
