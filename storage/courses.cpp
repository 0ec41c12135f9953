#include "storage/courses.hpp"

#include "storage/row_reader.hpp"
#include "storage/sources.hpp"

namespace sf::storage {
namespace {

constexpr const char* course_columns =
    "id::text, owner_id::text, title, topic, difficulty, language, array_to_string(materials, ','), status, progress, "
    "current_step, error, reject_reason, version, event_seq, sf_ts(created_at), sf_ts(updated_at)";

course_record read_course(const pqxx::row& r) {
  using namespace detail;
  course_record c;
  c.id = r[0].as<std::string>();
  c.owner_id = r[1].as<std::string>();
  c.title = r[2].as<std::string>();
  c.topic = opt_text(r[3]);
  c.difficulty = opt_text(r[4]);
  c.language = opt_text(r[5]);
  c.materials_requested = split_list(r[6].as<std::string>());
  c.status = r[7].as<std::string>();
  c.progress = r[8].as<int>();
  c.current_step = opt_text(r[9]);
  c.error = opt_text(r[10]);
  c.reject_reason = opt_text(r[11]);
  c.version = r[12].as<long long>();
  c.event_seq = r[13].as<long long>();
  c.created_at = r[14].as<std::string>();
  c.updated_at = r[15].as<std::string>();
  return c;
}

std::optional<course_record> first_course(const pqxx::result& res) {
  if (res.empty()) return std::nullopt;
  return read_course(res[0]);
}

}  // namespace

course_record create_course(pqxx::transaction_base& tx, const new_course& c) {
  auto res = tx.exec_params(std::string("insert into courses (owner_id, title, topic, difficulty, language, materials) "
                                        "values ($1::uuid, $2, $3, $4, $5, $6::text[]) returning ") + course_columns,
                            c.owner_id, c.title, c.topic, c.difficulty, c.language, detail::pg_array(c.materials));
  return read_course(res[0]);
}

std::optional<course_record> find_course(pqxx::transaction_base& tx, const std::string& owner_id, const std::string& id) {
  return first_course(tx.exec_params(
      std::string("select ") + course_columns + " from courses where id = $1::uuid and owner_id = $2::uuid", id, owner_id));
}

std::optional<course_record> find_course_by_id(pqxx::transaction_base& tx, const std::string& id, bool for_update) {
  return first_course(tx.exec_params(
      std::string("select ") + course_columns + " from courses where id = $1::uuid" + (for_update ? " for update" : ""), id));
}

std::vector<course_record> list_courses(pqxx::transaction_base& tx, const std::string& owner_id) {
  std::vector<course_record> out;
  for (const auto& r : tx.exec_params(std::string("select ") + course_columns +
                                          " from courses where owner_id = $1::uuid order by created_at desc, id",
                                      owner_id))
    out.push_back(read_course(r));
  return out;
}

bool delete_course(pqxx::transaction_base& tx, const std::string& owner_id, const std::string& id) {
  return tx.exec_params("delete from courses where id = $1::uuid and owner_id = $2::uuid", id, owner_id).affected_rows() == 1;
}

void load_course_parts(pqxx::transaction_base& tx, course_record& c) {
  c.sources = list_sources(tx, c.id);
  c.materials.clear();
  for (const auto& r : tx.exec_params("select type, status from materials where course_id = $1::uuid order by created_at, type", c.id))
    c.materials.push_back({r[0].as<std::string>(), r[1].as<std::string>()});
}

std::optional<long long> update_course_state(pqxx::transaction_base& tx, const std::string& id,
                                             long long expected_version, const course_state& s) {
  auto res = tx.exec_params(
      "update courses set status = $3, progress = $4, current_step = $5, error = $6, reject_reason = $7, "
      "version = version + 1, updated_at = now() where id = $1::uuid and version = $2 returning version",
      id, expected_version, s.status, s.progress, s.current_step, s.error, s.reject_reason);
  if (res.empty()) return std::nullopt;
  return res[0][0].as<long long>();
}

void set_course_progress(pqxx::transaction_base& tx, const std::string& id, int progress, const std::string& step) {
  tx.exec_params("update courses set progress = $2, current_step = $3, updated_at = now() where id = $1::uuid", id,
                 progress, step);
}

}  // namespace sf::storage
