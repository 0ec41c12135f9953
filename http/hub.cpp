#include "http/hub.hpp"

#include <nlohmann/json.hpp>

#include <utility>

namespace sf::http {

void hub::set_dispatcher(dispatcher d) {
  std::lock_guard lock(mu_);
  dispatch_ = std::move(d);
  queues_.clear();  // a drain posted to the old dispatcher may never run
}

void hub::subscribe(const std::string& course_id, const std::shared_ptr<event_sink>& sink) {
  std::lock_guard lock(mu_);
  subs_[course_id].emplace(sink.get(), sink);
}

void hub::unsubscribe(const std::string& course_id, const event_sink* sink) {
  std::lock_guard lock(mu_);
  auto it = subs_.find(course_id);
  if (it == subs_.end()) return;
  it->second.erase(sink);
  if (it->second.empty()) subs_.erase(it);
}

void hub::deliver(const std::string& payload) {
  auto j = nlohmann::json::parse(payload, nullptr, false);
  if (!j.is_object() || !j.contains("course_id") || !j["course_id"].is_string() || !j.contains("seq") ||
      !j["seq"].is_number_integer())
    return;
  auto course_id = j["course_id"].get<std::string>();
  auto seq = j["seq"].get<long long>();
  std::vector<std::vector<std::shared_ptr<event_sink>>> by_shard;
  std::vector<std::shared_ptr<shard_queue>> queues;
  {
    std::lock_guard lock(mu_);
    auto it = subs_.find(course_id);
    if (it == subs_.end() || !dispatch_) return;
    for (const auto& [raw, weak] : it->second) {
      auto sink = weak.lock();
      if (!sink) continue;
      auto shard = sink->shard();
      if (shard >= by_shard.size()) by_shard.resize(shard + 1);
      by_shard[shard].push_back(std::move(sink));
    }
    while (queues_.size() < by_shard.size()) {
      auto q = std::make_shared<shard_queue>();
      q->shard = queues_.size();
      q->dispatch = dispatch_;
      q->flushes_per_turn = flushes_per_turn_;
      queues_.push_back(std::move(q));
    }
    queues = queues_;
  }
  auto msg = std::make_shared<const std::string>(payload);
  auto id = std::make_shared<const std::string>(std::move(course_id));
  for (std::size_t shard = 0; shard < by_shard.size(); ++shard) {
    if (by_shard[shard].empty()) continue;
    auto& q = *queues[shard];
    bool post = false;
    {
      std::lock_guard lock(q.mu);
      q.events.push_back({std::move(by_shard[shard]), id, seq, msg});
      post = !std::exchange(q.draining, true);
    }
    if (post) q.dispatch(shard, [queue = queues[shard]] { drain(queue); });
  }
}

void hub::drain(const std::shared_ptr<shard_queue>& q) {
  std::vector<pending> events;
  {
    std::lock_guard lock(q->mu);
    events.swap(q->events);
  }
  for (const auto& e : events)
    for (const auto& s : e.sinks)
      if (s->on_event(*e.course_id, e.seq, e.msg)) q->due.push_back(s);
  for (std::size_t n = 0; n < q->flushes_per_turn && !q->due.empty(); ++n) {
    q->due.front()->flush();
    q->due.pop_front();
  }
  {
    std::lock_guard lock(q->mu);
    if (q->due.empty() && q->events.empty()) {
      q->draining = false;
      return;
    }
  }
  q->dispatch(q->shard, [q] { drain(q); });
}

std::size_t hub::subscriptions() const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& [id, sinks] : subs_) n += sinks.size();
  return n;
}

}  // namespace sf::http
