#pragma once
#include <optional>
#include <pqxx/types.hxx>
#include <string>
#include <vector>

#include "storage/records.hpp"

namespace sf::storage {

struct new_course {
  std::string owner_id;
  std::string title;
  std::optional<std::string> topic, difficulty, language;
  std::vector<std::string> materials;
};

course_record create_course(pqxx::transaction_base& tx, const new_course& c);
// Owner-scoped: another user's course is simply not found.
std::optional<course_record> find_course(pqxx::transaction_base& tx, const std::string& owner_id, const std::string& id);
// Internal lookups by jobs, which already passed the ownership check at submission.
std::optional<course_record> find_course_by_id(pqxx::transaction_base& tx, const std::string& id, bool for_update = false);
std::vector<course_record> list_courses(pqxx::transaction_base& tx, const std::string& owner_id);
bool delete_course(pqxx::transaction_base& tx, const std::string& owner_id, const std::string& id);
// Fills sources and material summaries of `c`.
void load_course_parts(pqxx::transaction_base& tx, course_record& c);

struct course_state {
  std::string status;
  int progress = 0;
  std::optional<std::string> current_step, error, reject_reason;
};
// Optimistic write: applies only if the row still has `expected_version`. Returns the new
// version, or nullopt when another writer got there first.
std::optional<long long> update_course_state(pqxx::transaction_base& tx, const std::string& id,
                                             long long expected_version, const course_state& s);

// Progress is not a transition: no version bump.
void set_course_progress(pqxx::transaction_base& tx, const std::string& id, int progress, const std::string& step);

}  // namespace sf::storage
