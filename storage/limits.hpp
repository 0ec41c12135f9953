#pragma once
// Daily quotas (one atomic statement each, so concurrent requests on any node count exactly)
// and secrets shared by every node (made once by whichever node asks first).
#include <pqxx/types.hxx>
#include <string>

namespace sf::storage {

// Counts one use of `kind` today; false (and nothing counted) when `limit` is reached.
bool take_quota(pqxx::transaction_base& tx, const std::string& user_id, const std::string& kind, int limit);
// Undoes one take_quota of today: the request it was taken for made nothing.
void give_back_quota(pqxx::transaction_base& tx, const std::string& user_id, const std::string& kind);
int quota_used(pqxx::transaction_base& tx, const std::string& user_id, const std::string& kind);

// The secret named `name`, created from `candidate` if it does not exist yet.
std::string shared_secret(pqxx::transaction_base& tx, const std::string& name, const std::string& candidate);

}  // namespace sf::storage
