#include "actors/course_actor.hpp"

#include <deque>
#include <unordered_map>
#include <utility>

namespace sf::actors {
namespace {

// A course's transactions on this node take turns: the actor grants the turn to one caller at
// a time, in the order asked, and the caller runs its transaction on its own thread. So a
// course costs no thread of its own, and the actor never blocks.
//
//   free --turn--> held --release (or the holder dies)--> next in line, or free
//   free --idle_s without a message--> gone (the registry told first)
struct course_state {
  caf::actor_addr holder;  // null when free
  std::deque<std::pair<caf::actor_addr, caf::response_promise>> line;
};

caf::behavior course_actor(caf::event_based_actor* self, caf::actor registry, std::string course_id, int idle_s) {
  auto st = std::make_shared<course_state>();
  // The holder is monitored, so that a holder that ends without releasing (its thread ended)
  // frees the turn. Callers in line are blocked waiting for their answer, so they cannot end.
  auto grant = [=](caf::actor_addr who) {
    st->holder = std::move(who);
    self->monitor(st->holder);
  };
  auto pass_on = [=] {
    self->demonitor(st->holder);
    st->holder = nullptr;
    if (st->line.empty()) return;
    auto [who, promise] = std::move(st->line.front());
    st->line.pop_front();
    grant(std::move(who));
    promise.deliver(true);
  };
  self->set_default_handler(caf::print_and_drop);
  self->set_down_handler([=](caf::down_msg& dm) {
    if (dm.source == st->holder) pass_on();
  });
  // Drained with the node: whoever waits in line asks the registry again (or commits alone).
  self->set_exit_handler([=](caf::exit_msg& em) {
    for (auto& waiting : st->line) waiting.second.deliver(false);
    st->line.clear();
    if (st->holder) self->demonitor(st->holder);
    self->quit(em.reason);
  });
  return {
      [=](turn_atom) -> caf::result<bool> {
        auto who = caf::actor_cast<caf::actor_addr>(self->current_sender());
        if (!st->holder) {
          grant(std::move(who));
          return true;
        }
        auto promise = self->make_response_promise();
        st->line.emplace_back(std::move(who), promise);
        return promise;
      },
      [=](release_atom) {
        if (caf::actor_cast<caf::actor_addr>(self->current_sender()) == st->holder) pass_on();
      },
      // Retires itself, and only while free: told to go by the registry instead, it could let
      // a turn go on here while a new actor for the course granted another. The registry hears
      // of it before anyone whose request the ended actor turns away asks the registry again.
      caf::after(std::chrono::seconds(idle_s)) >> [=] {
        if (st->holder || !st->line.empty()) return;
        self->send(registry, retire_atom::value, course_id);
        self->quit();
      },
  };
}

struct registry_state {
  std::unordered_map<std::string, caf::actor> courses;
};

}  // namespace

caf::behavior course_registry(caf::event_based_actor* self, int idle_s) {
  auto state = std::make_shared<registry_state>();
  self->set_default_handler(caf::print_and_drop);
  self->set_down_handler([=](caf::down_msg& dm) {
    for (auto it = state->courses.begin(); it != state->courses.end(); ++it)
      if (it->second.address() == dm.source) {
        state->courses.erase(it);
        break;
      }
  });
  return {
      [=](course_atom, const std::string& id) -> caf::actor {
        auto& a = state->courses[id];
        if (!a) a = self->spawn<caf::monitored>(course_actor, caf::actor_cast<caf::actor>(self), id, idle_s);
        return a;
      },
      [=](retire_atom, const std::string& id) {
        auto it = state->courses.find(id);
        if (it != state->courses.end() && it->second.address() == self->current_sender()) state->courses.erase(it);
      },
      [=](drain_atom) {
        for (auto& [id, a] : state->courses) self->send_exit(a, caf::exit_reason::user_shutdown);
        state->courses.clear();
        self->quit();
      },
  };
}

result<void> commit_in_course(caf::blocking_actor* self, const caf::actor& registry, const std::string& course_id,
                              std::function<result<void>()> fn) {
  if (course_id.empty()) return fn();
  for (int attempt = 0; attempt < 3; ++attempt) {
    caf::actor course;
    self->request(registry, caf::infinite, course_atom::value, course_id)
        .receive([&](caf::actor& a) { course = std::move(a); }, [](caf::error&) {});
    if (!course) break;
    bool granted = false;
    self->request(course, caf::infinite, turn_atom::value).receive([&](bool ok) { granted = ok; }, [](caf::error&) {});
    if (!granted) continue;  // the actor retired before our turn: ask the registry again
    struct release {
      caf::blocking_actor* self;
      const caf::actor& course;
      ~release() { self->send(course, release_atom::value); }
    } on_exit{self, course};
    return fn();
  }
  return fn();  // still safe: the course row's lock serializes the transaction
}

}  // namespace sf::actors
