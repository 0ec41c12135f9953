// Signup, login, logout and the caller's own account.
#include <algorithm>
#include <cctype>
#include <pqxx/pqxx>

#include "http/api.hpp"
#include "http/credentials.hpp"
#include "storage/generation.hpp"
#include "storage/users.hpp"

namespace sf::http {
namespace {

constexpr int token_ttl_hours = 24 * 30;

struct email_password {
  std::string email, password;
};

std::optional<email_password> read_credentials(const request& r, response& err) {
  auto body = parse_object(r, err);
  if (!body) return std::nullopt;
  auto email = body->find("email");
  auto password = body->find("password");
  if (email == body->end() || !email->is_string() || password == body->end() || !password->is_string()) {
    err = error_response(422, "invalid_value", "email and password are required strings", r);
    return std::nullopt;
  }
  return email_password{email->get<std::string>(), password->get<std::string>()};
}

std::string issue_token(pqxx::work& tx, const std::string& user_id) {
  auto token = new_token();
  storage::insert_token(tx, token_hash(token), user_id, token_ttl_hours);
  return token;
}

}  // namespace

void add_account_routes(api& a) {
  auto& s = a.deps().services;

  a.add("POST", "/v1/auth/signup", false, [&s](call& c) {
    response err;
    auto cred = read_credentials(c.req, err);
    if (!cred) return err;
    if (!plausible_email(cred->email)) return error_response(422, "invalid_value", "that is not an email address", c.req);
    if (auto why = weak_password(cred->password)) return error_response(422, "weak_password", *why, c.req);
    auto hash = hash_password(cred->password);
    if (!hash) return error_response(503, "unavailable", "cannot hash the password now; try again", c.req);
    auto conn = s.db.acquire();
    pqxx::work tx(*conn);
    auto user = storage::create_user(tx, cred->email, *hash, false);
    if (!user) return error_response(409, "email_taken", "an account with that email exists", c.req);
    auto token = issue_token(tx, user->id);
    tx.commit();
    return json_response(201, {{"user_id", user->id}, {"token", token}});
  }, "auth");

  a.add("POST", "/v1/auth/login", false, [&s, &a](call& c) {
    response err;
    auto cred = read_credentials(c.req, err);
    if (!cred) return err;
    // Guessing one account's password from many addresses is throttled too.
    std::string account = cred->email;
    std::transform(account.begin(), account.end(), account.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (auto limited = a.check_rate("login", account, c.req)) return *limited;
    auto conn = s.db.acquire();
    pqxx::work tx(*conn);
    auto user = storage::find_user_by_email(tx, cred->email);
    // The same answer, and about the same time, whether the email or the password is wrong.
    static const std::string dummy = *hash_password("timing-equaliser");
    bool ok = verify_password(user ? user->password_hash : dummy, cred->password) && user;
    if (!ok) return error_response(401, "invalid_credentials", "wrong email or password", c.req);
    auto token = issue_token(tx, user->id);
    tx.commit();
    return json_response(200, {{"user_id", user->id}, {"token", token}});
  }, "auth");

  a.add("POST", "/v1/auth/logout", true, [&s, &a](call& c) {
    auto token = c.req.header("authorization").value_or("").substr(std::string("Bearer ").size());
    auto conn = s.db.acquire();
    pqxx::work tx(*conn);
    storage::delete_token(tx, token_hash(token));
    tx.commit();
    a.forget_token(token);
    response r;
    r.status = 204;
    r.content_type.clear();
    return r;
  });

  a.add("GET", "/v1/me", true, [&s](call& c) {
    nlohmann::json usage = nlohmann::json::object();
    {
      auto conn = s.db.acquire();
      pqxx::read_transaction tx(*conn);
      for (const auto& u : storage::usage_today(tx, c.user->id))
        usage[u.provider] = {{"calls", u.calls}, {"prompt_tokens", u.prompt_tokens}, {"completion_tokens", u.completion_tokens}};
    }
    return json_response(200, {{"user_id", c.user->id},
                               {"email", c.user->email},
                               {"is_admin", c.user->is_admin},
                               {"created_at", c.user->created_at},
                               {"usage", {{"today", usage}}},
                               {"quotas", nlohmann::json::object()}});
  });
}

}  // namespace sf::http
