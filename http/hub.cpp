#include "http/hub.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <utility>

namespace sf::http {

hub::hub(turn t) : turn_{std::max<std::size_t>(1, t.flushes), std::max<std::size_t>(1, t.handouts)} {}

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
      q->limits = turn_;
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
  {
    std::lock_guard lock(q->mu);
    for (auto& e : q->events) q->backlog.push_back(std::move(e));
    q->events.clear();
  }
  hand_out(*q);
  for (std::size_t n = 0; n < q->limits.flushes && !q->due.empty(); ++n) {
    auto sink = std::move(q->due.front());
    q->due.pop_front();
    q->in_line.erase(sink.get());
    sink->flush();
  }
  {
    std::lock_guard lock(q->mu);
    if (q->due.empty() && q->backlog.empty() && q->events.empty()) {
      q->draining = false;
      return;
    }
  }
  q->dispatch(q->shard, [q] { drain(q); });
}

// Events go out in the order they came, each to all its sinks before the next, so every sink
// sees them in order even when a turn ends halfway through one.
void hub::hand_out(shard_queue& q) {
  for (std::size_t n = 0; n < q.limits.handouts && !q.backlog.empty();) {
    auto& e = q.backlog.front();
    for (; q.handed < e.sinks.size() && n < q.limits.handouts; ++q.handed, ++n) {
      const auto& sink = e.sinks[q.handed];
      sink->on_event(*e.course_id, e.seq, e.msg);
      if (q.in_line.insert(sink.get()).second) q.due.push_back(sink);
    }
    if (q.handed < e.sinks.size()) return;
    q.backlog.pop_front();
    q.handed = 0;
  }
}

std::size_t hub::subscriptions() const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& [id, sinks] : subs_) n += sinks.size();
  return n;
}

}  // namespace sf::http
