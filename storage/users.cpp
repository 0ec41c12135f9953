#include "storage/users.hpp"

#include "storage/row_reader.hpp"

namespace sf::storage {
namespace {

constexpr const char* user_columns = "id::text, email, password_hash, is_admin, sf_ts(created_at)";

user_record read_user(const pqxx::row& r) {
  return user_record{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<bool>(),
                     r[4].as<std::string>()};
}

std::optional<user_record> first_user(const pqxx::result& res) {
  if (res.empty()) return std::nullopt;
  return read_user(res[0]);
}

}  // namespace

std::optional<user_record> create_user(pqxx::transaction_base& tx, const std::string& email,
                                       const std::string& password_hash, bool is_admin) {
  return first_user(tx.exec_params(std::string("insert into users (email, password_hash, is_admin) values ($1, $2, $3) "
                                               "on conflict ((lower(email))) do nothing returning ") + user_columns,
                                   email, password_hash, is_admin));
}

std::optional<user_record> find_user_by_email(pqxx::transaction_base& tx, const std::string& email) {
  return first_user(
      tx.exec_params(std::string("select ") + user_columns + " from users where lower(email) = lower($1)", email));
}

std::optional<user_record> find_user(pqxx::transaction_base& tx, const std::string& id) {
  return first_user(tx.exec_params(std::string("select ") + user_columns + " from users where id = $1::uuid", id));
}

void set_admin(pqxx::transaction_base& tx, const std::string& user_id, bool is_admin) {
  tx.exec_params("update users set is_admin = $2 where id = $1::uuid", user_id, is_admin);
}

void insert_token(pqxx::transaction_base& tx, const std::string& token_hash, const std::string& user_id, int ttl_hours) {
  tx.exec_params(
      "insert into tokens (token_hash, user_id, expires_at) values (decode($1, 'hex'), $2::uuid, now() + make_interval(hours => $3))",
      token_hash, user_id, ttl_hours);
}

std::optional<user_record> find_user_by_token(pqxx::transaction_base& tx, const std::string& token_hash) {
  return first_user(tx.exec_params(
      "select u.id::text, u.email, u.password_hash, u.is_admin, sf_ts(u.created_at) from tokens t "
      "join users u on u.id = t.user_id where t.token_hash = decode($1, 'hex') and t.expires_at > now()",
      token_hash));
}

void delete_token(pqxx::transaction_base& tx, const std::string& token_hash) {
  tx.exec_params("delete from tokens where token_hash = decode($1, 'hex')", token_hash);
}

}  // namespace sf::storage
