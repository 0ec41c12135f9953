#pragma once
// One course actor per active course on this node: that course's job outcomes commit one at
// a time, each in its turn, on the thread of the job that asks. Across nodes the course row's
// lock and version check keep transitions single.
#include "actors/messages.hpp"

namespace sf::actors {

// Hands out the course actor of a course (spawning it on demand). Idle course actors
// retire through the registry, so it never hands out one that is about to quit.
// Course actors retire after `idle_s` seconds without work.
caf::behavior course_registry(caf::event_based_actor* self, int idle_s);

// Runs `fn` on this thread in the course's turn; at once when there is no course.
result<void> commit_in_course(caf::blocking_actor* self, const caf::actor& registry, const std::string& course_id,
                              std::function<result<void>()> fn);

}  // namespace sf::actors
