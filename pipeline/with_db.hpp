#pragma once
// Runs `body` on a pooled connection, in a transaction of type `Tx`: pqxx::work (the body
// commits), or pqxx::nontransaction for a single statement that commits as it runs. A
// database error becomes the body's result, classified (storage::classify).
#include <pqxx/pqxx>
#include <utility>

#include "pipeline/services.hpp"

namespace sf::pipeline {

template <class Tx = pqxx::work, class F>
auto with_db(storage::pool& db, F&& body) -> decltype(body(std::declval<Tx&>())) {
  try {
    auto conn = db.acquire();
    Tx tx(*conn);
    return body(tx);
  } catch (const std::exception& e) {
    return boost::outcome_v2::failure(storage::classify(e));
  }
}

template <class Tx = pqxx::work, class F>
auto with_db(services& s, F&& body) -> decltype(body(std::declval<Tx&>())) {
  return with_db<Tx>(s.db, std::forward<F>(body));
}

}  // namespace sf::pipeline
