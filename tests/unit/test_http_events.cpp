#include <catch2/catch.hpp>

#include <functional>
#include <utility>
#include <nlohmann/json.hpp>

#include "http/connection_counter.hpp"
#include "http/event_sequencer.hpp"
#include "http/hub.hpp"
#include "http/message.hpp"
#include "http/rate_limiter.hpp"
#include "http/recent.hpp"
#include "http/ws_protocol.hpp"

using sf::http::event_sequencer;

namespace {

event_sequencer::item ev(long long seq) { return {seq, std::make_shared<const std::string>(std::to_string(seq))}; }

std::vector<long long> seqs(const std::vector<event_sequencer::item>& items) {
  std::vector<long long> out;
  for (const auto& i : items) out.push_back(i.seq);
  return out;
}

}  // namespace

TEST_CASE("live events before the snapshot wait, then flow in order") {
  event_sequencer s;
  CHECK(s.on_live(ev(5)).empty());
  CHECK(s.on_live(ev(4)).empty());
  CHECK(seqs(s.start(3, {})) == std::vector<long long>{4, 5});
  CHECK(seqs(s.on_live(ev(6))) == std::vector<long long>{6});
  CHECK(s.on_live(ev(6)).empty());  // a duplicate is dropped
  CHECK(s.on_live(ev(2)).empty());  // so is anything old
}

TEST_CASE("a gap asks for a replay, and the replay closes it") {
  event_sequencer s;
  s.start(10, {});
  CHECK(s.on_live(ev(12)).empty());
  REQUIRE(s.wants_replay());
  s.replay_requested();
  CHECK_FALSE(s.wants_replay());
  CHECK(s.on_live(ev(13)).empty());
  CHECK(seqs(s.on_replay({ev(11), ev(12)})) == std::vector<long long>{11, 12, 13});
  CHECK_FALSE(s.wants_replay());
  CHECK(s.last() == 13);
}

TEST_CASE("a resume with since replays the log first, without duplicates") {
  event_sequencer s;
  s.on_live(ev(8));
  CHECK(seqs(s.start(5, {ev(6), ev(7), ev(8)})) == std::vector<long long>{6, 7, 8});
  CHECK(s.buffered() == 0);
}

TEST_CASE("a resume further back than one replay batch reads the log until it is caught up") {
  event_sequencer s;
  CHECK(seqs(s.start(0, {ev(1), ev(2)}, true)) == std::vector<long long>{1, 2});
  REQUIRE(s.wants_replay());  // no live event waits, yet the log holds more
  s.replay_requested();
  CHECK_FALSE(s.wants_replay());
  CHECK(seqs(s.on_replay({ev(3), ev(4)}, true)) == std::vector<long long>{3, 4});
  REQUIRE(s.wants_replay());
  s.replay_requested();
  CHECK(seqs(s.on_replay({ev(5)})) == std::vector<long long>{5});
  CHECK_FALSE(s.wants_replay());  // a short batch: caught up
}

TEST_CASE("a replay that could not read the log is asked for again, from where the client is") {
  event_sequencer s;
  s.start(0, {ev(1)}, true);
  s.replay_requested();
  s.replay_failed();
  CHECK(s.wants_replay());
  CHECK(s.last() == 1);
}

TEST_CASE("client messages are parsed strictly") {
  using namespace sf::http::ws;
  auto sub = parse(R"({"op":"subscribe","course_id":"0f8fad5b-d9cb-469f-a165-70867728950e","since":41})");
  REQUIRE(std::holds_alternative<subscribe>(sub));
  CHECK(std::get<subscribe>(sub).since == 41);
  CHECK(std::holds_alternative<ping>(parse(R"({"op":"ping"})")));
  CHECK(std::holds_alternative<bad>(parse("not json")));
  CHECK(std::holds_alternative<bad>(parse(R"({"op":"subscribe","course_id":"../etc"})")));
  CHECK(std::holds_alternative<bad>(parse(R"({"op":"subscribe","course_id":"0f8fad5b-d9cb-469f-a165-70867728950e","since":-1})")));
  CHECK(std::holds_alternative<bad>(parse(R"({"op":"subscribe","course_id":"0f8fad5b-d9cb-469f-a165-70867728950e","since":9223372036854775807})")));
  CHECK(std::holds_alternative<bad>(parse(R"({"op":"shout"})")));
  // Events name courses in lower case: an upper-case id must still match them.
  auto upper = parse(R"({"op":"subscribe","course_id":"0F8FAD5B-D9CB-469F-A165-70867728950E"})");
  REQUIRE(std::holds_alternative<subscribe>(upper));
  CHECK(std::get<subscribe>(upper).course_id == "0f8fad5b-d9cb-469f-a165-70867728950e");
}

TEST_CASE("request targets are decoded, and malformed ones refused") {
  std::string path;
  std::map<std::string, std::string> query;
  REQUIRE(sf::http::parse_target("/v1/courses/abc/sources?filename=My%20notes.pdf&x=1+2", path, query));
  CHECK(path == "/v1/courses/abc/sources");
  CHECK(query["filename"] == "My notes.pdf");
  CHECK(query["x"] == "1 2");
  query.clear();
  CHECK_FALSE(sf::http::parse_target("/bad%2", path, query));
  CHECK_FALSE(sf::http::parse_target("no-slash", path, query));
  CHECK_FALSE(sf::http::parse_target("/nul%00byte", path, query));
}

TEST_CASE("connections are capped per key and freed when their slot goes") {
  sf::http::connection_counter c(2);
  auto a1 = c.take("ann");
  auto a2 = c.take("ann");
  CHECK(a1);
  CHECK(a2);
  CHECK_FALSE(c.take("ann"));
  auto b1 = c.take("bob");  // one key's cap is not another's
  CHECK(b1);
  a1.reset();
  CHECK(c.held("ann") == 1);
  CHECK(c.take("ann"));  // taken and given back at once: a temporary
  CHECK(c.held("ann") == 1);
  auto moved = std::move(*b1);  // a moved slot is counted once
  b1.reset();
  CHECK(c.held("bob") == 1);
  { auto gone = std::move(moved); }
  CHECK(c.held("bob") == 0);
}

TEST_CASE("a token bucket allows its burst, then one token per 1/rate seconds") {
  using sf::http::token_bucket;
  const sf::http::bucket_rule rule{2, 3};  // 2 a second, burst 3
  auto t0 = token_bucket::clock::time_point{} + std::chrono::hours(1);
  auto b = token_bucket::full(rule, t0);
  for (int i = 0; i < 3; ++i) CHECK_FALSE(b.take(rule, t0));
  auto wait = b.take(rule, t0);
  REQUIRE(wait);
  CHECK(*wait == Approx(0.5));
  CHECK_FALSE(b.take(rule, t0 + std::chrono::milliseconds(500)));
  CHECK(b.take(rule, t0 + std::chrono::milliseconds(500)));
  // A long pause refills only up to the burst.
  auto later = t0 + std::chrono::seconds(60);
  for (int i = 0; i < 3; ++i) CHECK_FALSE(b.take(rule, later));
  CHECK(b.take(rule, later));
}

namespace {

// Records what the hub hands it, in order: "e<seq>" per event, "f" per flush.
struct recording_sink : sf::http::event_sink {
  explicit recording_sink(std::size_t s) : shard_(s) {}
  std::size_t shard() const override { return shard_; }
  void on_event(const std::string&, long long seq, const std::shared_ptr<const std::string>&) override {
    calls.push_back("e" + std::to_string(seq));
  }
  void flush() override { calls.push_back("f"); }
  std::size_t shard_;
  std::vector<std::string> calls;
};

std::string event_payload(long long seq) {
  return nlohmann::json{{"type", "event"}, {"course_id", "c1"}, {"seq", seq}}.dump();
}

}  // namespace

TEST_CASE("events that pile up for a shard reach its subscribers in one drain, then one flush") {
  sf::http::hub hub;
  std::vector<std::pair<std::size_t, std::function<void()>>> posted;
  hub.set_dispatcher([&](std::size_t shard, std::function<void()> fn) { posted.emplace_back(shard, std::move(fn)); });
  auto a = std::make_shared<recording_sink>(0), b = std::make_shared<recording_sink>(0), c = std::make_shared<recording_sink>(1);
  for (const auto& s : {a, b, c}) hub.subscribe("c1", s);

  for (long long seq = 1; seq <= 3; ++seq) hub.deliver(event_payload(seq));
  REQUIRE(posted.size() == 2);  // one drain per shard, not one per event
  for (auto& [shard, fn] : posted) fn();
  for (const auto& s : {a, b, c}) CHECK(s->calls == std::vector<std::string>{"e1", "e2", "e3", "f"});

  // After a drain ran, the next event gets a drain of its own.
  hub.deliver(event_payload(4));
  REQUIRE(posted.size() == 4);
  posted[2].second();
  posted[3].second();
  CHECK(a->calls.back() == "f");
  CHECK(a->calls[a->calls.size() - 2] == "e4");

  hub.deliver("not json");  // ignored, no drain
  CHECK(posted.size() == 4);
}

// A hub whose drains run when the test says, one turn at a time.
struct stepped_hub {
  explicit stepped_hub(sf::http::hub::turn t, int sinks) : hub(t) {
    hub.set_dispatcher([this](std::size_t, std::function<void()> fn) { posted.push_back(std::move(fn)); });
    for (int i = 0; i < sinks; ++i) {
      this->sinks.push_back(std::make_shared<recording_sink>(0));
      hub.subscribe("c1", this->sinks.back());
    }
  }
  void run_turn() {
    REQUIRE(posted.size() == 1);  // one drain at a time per shard
    auto fn = std::move(posted.front());
    posted.clear();
    fn();
  }
  void run_all() {
    while (!posted.empty()) run_turn();
  }
  std::size_t sinks_with(const std::vector<std::string>& calls) const {
    std::size_t n = 0;
    for (const auto& s : sinks) n += s->calls == calls;
    return n;
  }
  sf::http::hub hub;
  std::vector<std::function<void()>> posted;
  std::vector<std::shared_ptr<recording_sink>> sinks;
};

using calls = std::vector<std::string>;

TEST_CASE("an event that comes during a fan-out joins the writes of the subscribers still waiting for theirs") {
  stepped_hub h({2, 4096}, 5);  // two flushes per turn
  h.hub.deliver(event_payload(1));
  h.run_turn();  // two sinks written; the drain posts itself again for the rest
  CHECK(h.sinks_with({"e1", "f"}) == 2);

  h.hub.deliver(event_payload(2));
  CHECK(h.posted.size() == 1);  // the running drain takes it
  h.run_all();
  // Those still in line got both events in one write; those already written, a second write.
  CHECK(h.sinks_with({"e1", "e2", "f"}) == 3);
  CHECK(h.sinks_with({"e1", "f", "e2", "f"}) == 2);

  // Once the line is empty the drain stops; the next event starts a new one.
  h.hub.deliver(event_payload(3));
  CHECK(h.posted.size() == 1);
}

TEST_CASE("an event that comes during the last turn of a fan-out still goes out") {
  stepped_hub h({3, 4096}, 2);  // one turn writes to all three
  // During the turn that empties the line, the next event arrives from NATS.
  struct arriving_sink : recording_sink {
    using recording_sink::recording_sink;
    void flush() override {
      recording_sink::flush();
      if (auto now = std::exchange(arrive, nullptr)) now();  // once
    }
    std::function<void()> arrive;
  };
  auto last = std::make_shared<arriving_sink>(0);
  last->arrive = [&] { h.hub.deliver(event_payload(2)); };
  h.hub.subscribe("c1", last);
  h.hub.deliver(event_payload(1));
  h.run_turn();
  CHECK(h.posted.size() == 1);  // the drain goes on rather than stopping with event 2 queued
  h.run_all();
  CHECK(h.sinks_with({"e1", "f", "e2", "f"}) == 2);
  CHECK(last->calls == calls{"e1", "f", "e2", "f"});
}

TEST_CASE("a pile of events is handed out a bounded number per turn, in order for every subscriber") {
  stepped_hub h({100, 5}, 3);  // five hand-outs per turn
  for (long long seq = 1; seq <= 4; ++seq) h.hub.deliver(event_payload(seq));
  h.run_turn();
  std::size_t handed = 0;
  for (const auto& s : h.sinks)
    for (const auto& c : s->calls) handed += c[0] == 'e';
  CHECK(handed == 5);  // 12 in all: the rest wait for later turns
  h.run_all();
  for (const auto& s : h.sinks) {
    std::vector<std::string> events;
    for (const auto& c : s->calls)
      if (c[0] == 'e') events.push_back(c);
    CHECK(events == calls{"e1", "e2", "e3", "e4"});
    CHECK(s->calls.back() == "f");
  }
}

TEST_CASE("many new keys do not reset the limit of a key that is still draining") {
  sf::http::rate_limiter limiter({{"login", {1, 2}}}, 100);  // 1 a second, burst 2
  auto t0 = sf::http::rate_limiter::clock::time_point{} + std::chrono::hours(1);
  auto guess = [&](int from, int to, auto at) {
    for (int i = from; i < to; ++i) (void)limiter.take("login", "guess-" + std::to_string(i), at);
  };
  guess(0, 150, t0 - std::chrono::seconds(10));  // refilled by t0
  CHECK_FALSE(limiter.take("login", "ann", t0));
  CHECK_FALSE(limiter.take("login", "ann", t0));
  CHECK(limiter.take("login", "ann", t0));  // ann is out of tokens
  guess(150, 450, t0);
  CHECK(limiter.size() < 400);  // the refilled ones were forgotten on the way
  // Still empty 0.5 s later: ann's bucket was kept, not made anew.
  CHECK(limiter.wait("login", "ann", t0 + std::chrono::milliseconds(500)));
  CHECK(limiter.take("login", "ann", t0 + std::chrono::milliseconds(500)));
}

TEST_CASE("waiting for a token does not take it") {
  sf::http::rate_limiter limiter({{"bad_token", {1, 1}}});
  auto t0 = sf::http::rate_limiter::clock::time_point{} + std::chrono::hours(1);
  CHECK_FALSE(limiter.wait("bad_token", "10.0.0.1", t0));  // no bucket yet: allowed
  CHECK_FALSE(limiter.take("bad_token", "10.0.0.1", t0));
  auto w = limiter.wait("bad_token", "10.0.0.1", t0);
  REQUIRE(w);
  CHECK(*w == Approx(1.0));
  CHECK(limiter.wait("bad_token", "10.0.0.1", t0));  // still waiting: nothing was taken
  CHECK_FALSE(limiter.wait("bad_token", "10.0.0.1", t0 + std::chrono::seconds(1)));
}

TEST_CASE("a recent value is computed once per interval, however often it is asked for") {
  sf::http::recent<int> health(std::chrono::hours(1));
  int computed = 0;
  for (int i = 0; i < 5; ++i) CHECK(health.get([&] { return ++computed; }) == 1);
  CHECK(computed == 1);
  sf::http::recent<int> stale(std::chrono::milliseconds(0));
  CHECK(stale.get([] { return 1; }) == 1);
  CHECK(stale.get([] { return 2; }) == 2);  // past its age: computed again
}
