#include "actors/course_actor.hpp"

#include <unordered_map>

namespace sf::actors {
namespace {

//   idle --commit--> committing --reply--> idle --60 s--> retiring --exit--> gone
caf::behavior course_actor(caf::event_based_actor* self, caf::actor registry, std::string course_id, int idle_s) {
  self->set_default_handler(caf::print_and_drop);
  return {
      [](commit_atom, commit_ptr req) -> commit_ptr {
        req->outcome = req->apply();
        return req;
      },
      caf::after(std::chrono::seconds(idle_s)) >> [=] { self->send(registry, retire_atom::value, course_id); },
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
        if (!a) {
          // Detached: its transactions block on PostgreSQL.
          a = self->spawn<caf::detached + caf::monitored>(course_actor, caf::actor_cast<caf::actor>(self), id, idle_s);
        }
        return a;
      },
      [=](retire_atom, const std::string& id) {
        auto it = state->courses.find(id);
        if (it == state->courses.end() || it->second.address() != self->current_sender()) return;
        self->send_exit(it->second, caf::exit_reason::user_shutdown);
        state->courses.erase(it);
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
    auto req = std::make_shared<commit_request>(commit_request{fn, success()});
    bool ran = false;
    self->request(course, caf::infinite, commit_atom::value, req)
        .receive([&](commit_ptr&) { ran = true; }, [](caf::error&) {});
    if (ran) return req->outcome;
    // The actor retired between lookup and request: ask the registry again.
  }
  return fn();  // still safe: the course row's lock serializes the transaction
}

}  // namespace sf::actors
