#pragma once
#include <optional>
#include <pqxx/types.hxx>
#include <string>

#include "storage/records.hpp"

namespace sf::storage {

// nullopt when the email is taken (compared case-insensitively).
std::optional<user_record> create_user(pqxx::transaction_base& tx, const std::string& email,
                                       const std::string& password_hash, bool is_admin);
std::optional<user_record> find_user_by_email(pqxx::transaction_base& tx, const std::string& email);
std::optional<user_record> find_user(pqxx::transaction_base& tx, const std::string& id);
void set_admin(pqxx::transaction_base& tx, const std::string& user_id, bool is_admin);

// Tokens are looked up by the hash of their value; the value itself is never stored.
void insert_token(pqxx::transaction_base& tx, const std::string& token_hash, const std::string& user_id, int ttl_hours);
std::optional<user_record> find_user_by_token(pqxx::transaction_base& tx, const std::string& token_hash);
void delete_token(pqxx::transaction_base& tx, const std::string& token_hash);

}  // namespace sf::storage
