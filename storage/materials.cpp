#include "storage/materials.hpp"

#include "storage/row_reader.hpp"

namespace sf::storage {
namespace {

constexpr const char* material_columns =
    "id::text, course_id::text, type, status, options::text, content::text, provider, retry_count, error, job_id::text, "
    "sf_ts(updated_at)";

material_record read_material(const pqxx::row& r) {
  using namespace detail;
  return material_record{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
                         r[3].as<std::string>(), r[4].as<std::string>(), opt_text(r[5]), opt_text(r[6]),
                         r[7].as<int>(),         opt_text(r[8]),         opt_text(r[9]), r[10].as<std::string>()};
}

std::optional<material_record> first_material(const pqxx::result& res) {
  if (res.empty()) return std::nullopt;
  return read_material(res[0]);
}

}  // namespace

std::optional<material_record> find_material(pqxx::transaction_base& tx, const std::string& course_id,
                                             const std::string& type, bool for_update) {
  return first_material(tx.exec_params(std::string("select ") + material_columns +
                                           " from materials where course_id = $1::uuid and type = $2" +
                                           (for_update ? " for update" : ""),
                                       course_id, type));
}

std::optional<material_record> find_material_by_id(pqxx::transaction_base& tx, const std::string& id) {
  return first_material(tx.exec_params(std::string("select ") + material_columns + " from materials where id = $1::uuid", id));
}

std::vector<material_record> list_materials(pqxx::transaction_base& tx, const std::string& course_id) {
  std::vector<material_record> out;
  for (const auto& r : tx.exec_params(std::string("select ") + material_columns +
                                          " from materials where course_id = $1::uuid order by created_at, type", course_id))
    out.push_back(read_material(r));
  return out;
}

std::optional<material_record> insert_material(pqxx::transaction_base& tx, const std::string& course_id,
                                               const std::string& type, const std::string& options_json) {
  return first_material(tx.exec_params(std::string("insert into materials (course_id, type, status, options) "
                                                   "values ($1::uuid, $2, 'generating', $3::jsonb) "
                                                   "on conflict (course_id, type) do nothing returning ") + material_columns,
                                       course_id, type, options_json));
}

material_record restart_material(pqxx::transaction_base& tx, const std::string& id, const std::string& options_json) {
  return read_material(tx.exec_params(std::string("update materials set status = 'generating', error = null, refresh_after = false, "
                                                  "retry_count = retry_count + 1, options = $2::jsonb, updated_at = now() "
                                                  "where id = $1::uuid returning ") + material_columns,
                                      id, options_json)[0]);
}

void attach_material_job(pqxx::transaction_base& tx, const std::string& id, const std::string& job_id) {
  tx.exec_params("update materials set job_id = $2::uuid where id = $1::uuid", id, job_id);
}

bool complete_material(pqxx::transaction_base& tx, const std::string& id, const std::string& job_id,
                       const std::string& content_json, const std::string& provider) {
  auto r = tx.exec_params("update materials set status = 'completed', content = $3::jsonb, provider = $4, error = null, "
                          "updated_at = now() where id = $1::uuid and job_id = $2::uuid returning refresh_after",
                          id, job_id, content_json, provider);
  return !r.empty() && r[0][0].as<bool>();
}

void ask_refresh(pqxx::transaction_base& tx, const std::string& id) {
  tx.exec_params("update materials set refresh_after = true where id = $1::uuid", id);
}

void fail_material(pqxx::transaction_base& tx, const std::string& id, const std::string& job_id, const std::string& error) {
  tx.exec_params("update materials set status = 'failed', error = $3, updated_at = now() where id = $1::uuid and "
                 "job_id = $2::uuid",
                 id, job_id, error);
}

}  // namespace sf::storage
