#include "http/hub.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace sf::http {

void hub::subscribe(const std::string& course_id, const std::shared_ptr<event_sink>& sink) {
  std::lock_guard lock(mu_);
  auto& list = subs_[course_id];
  for (const auto& w : list)
    if (w.lock() == sink) return;
  list.push_back(sink);
}

void hub::unsubscribe(const std::string& course_id, const event_sink* sink) {
  std::lock_guard lock(mu_);
  auto it = subs_.find(course_id);
  if (it == subs_.end()) return;
  auto& list = it->second;
  list.erase(std::remove_if(list.begin(), list.end(),
                            [&](const std::weak_ptr<event_sink>& w) {
                              auto p = w.lock();
                              return !p || p.get() == sink;
                            }),
             list.end());
  if (list.empty()) subs_.erase(it);
}

void hub::deliver(const std::string& payload) {
  auto j = nlohmann::json::parse(payload, nullptr, false);
  if (!j.is_object() || !j.contains("course_id") || !j["course_id"].is_string() || !j.contains("seq") ||
      !j["seq"].is_number_integer())
    return;
  auto course_id = j["course_id"].get<std::string>();
  auto seq = j["seq"].get<long long>();
  auto msg = std::make_shared<const std::string>(payload);
  std::vector<std::shared_ptr<event_sink>> targets;
  {
    std::lock_guard lock(mu_);
    auto it = subs_.find(course_id);
    if (it == subs_.end()) return;
    for (const auto& w : it->second)
      if (auto p = w.lock()) targets.push_back(std::move(p));
  }
  // Outside the lock: a sink only posts, but it must never be able to call back into us here.
  for (auto& t : targets) t->on_event(course_id, seq, msg);
}

std::size_t hub::subscriptions() const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& [id, list] : subs_) n += list.size();
  return n;
}

}  // namespace sf::http
