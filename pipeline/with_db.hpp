#pragma once
// Runs `body` on a pooled connection, in a transaction of type `Tx`: pqxx::work (the body
// commits), or pqxx::nontransaction for a single statement that commits as it runs. A
// database error becomes the body's result, classified (storage::classify).
#include <pqxx/pqxx>
#include <utility>

#include "pipeline/services.hpp"

namespace sf::pipeline {

template <class Tx = pqxx::work, class F>
auto with_db(services& s, F&& body) -> decltype(body(std::declval<Tx&>())) {
  try {
    auto conn = s.db.acquire();
    Tx tx(*conn);
    return body(tx);
  } catch (const std::exception& e) {
    return boost::outcome_v2::failure(storage::classify(e));
  }
}

}  // namespace sf::pipeline
