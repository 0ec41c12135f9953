#pragma once
#include <optional>
#include <pqxx/types.hxx>
#include <string>
#include <vector>

#include "storage/records.hpp"

namespace sf::storage {

std::optional<material_record> find_material(pqxx::transaction_base& tx, const std::string& course_id,
                                             const std::string& type, bool for_update = false);
std::optional<material_record> find_material_by_id(pqxx::transaction_base& tx, const std::string& id);
std::vector<material_record> list_materials(pqxx::transaction_base& tx, const std::string& course_id);

// Inserts a `generating` row; nullopt when a row for (course, type) already exists (the
// caller then reads the winner's row).
std::optional<material_record> insert_material(pqxx::transaction_base& tx, const std::string& course_id,
                                               const std::string& type, const std::string& options_json);
// failed -> generating on the same row, retry_count raised.
material_record restart_material(pqxx::transaction_base& tx, const std::string& id, const std::string& options_json);
void attach_material_job(pqxx::transaction_base& tx, const std::string& id, const std::string& job_id);
// Only while `job_id` is the material's job: an older job of it (retried by hand, or late)
// never overwrites the newer one's result.
// Returns whether it is to be made again (ask_refresh was called while its job ran).
bool complete_material(pqxx::transaction_base& tx, const std::string& id, const std::string& job_id,
                       const std::string& content_json, const std::string& provider);
// Another source was extracted after the material's running job read its input.
void ask_refresh(pqxx::transaction_base& tx, const std::string& id);
void fail_material(pqxx::transaction_base& tx, const std::string& id, const std::string& job_id, const std::string& error);

}  // namespace sf::storage
