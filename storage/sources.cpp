#include "storage/sources.hpp"

#include "storage/blob_store.hpp"
#include "storage/row_reader.hpp"

namespace sf::storage {
namespace {

constexpr const char* source_columns =
    "id::text, course_id::text, filename, media_type, sha256, bytes, pages, status, reject_reason, native_pages, "
    "ocr_pages, mean_ocr_confidence, sf_ts(created_at)";

source_record read_source(const pqxx::row& r) {
  using namespace detail;
  source_record s;
  s.id = r[0].as<std::string>();
  s.course_id = r[1].as<std::string>();
  s.filename = r[2].as<std::string>();
  s.media_type = r[3].as<std::string>();
  s.sha256 = r[4].as<std::string>();
  s.bytes = r[5].as<long long>();
  s.pages = opt_int(r[6]);
  s.status = r[7].as<std::string>();
  s.reject_reason = opt_text(r[8]);
  s.native_pages = r[9].as<int>();
  s.ocr_pages = r[10].as<int>();
  s.mean_ocr_confidence = opt_double(r[11]);
  s.created_at = r[12].as<std::string>();
  return s;
}

}  // namespace

source_record create_source(pqxx::transaction_base& tx, const std::string& course_id, const std::string& filename,
                            const std::string& media_type, const std::string& sha256, long long bytes) {
  return read_source(tx.exec_params(std::string("insert into sources (course_id, filename, media_type, sha256, bytes) "
                                                "values ($1::uuid, $2, $3, $4, $5) returning ") + source_columns,
                                    course_id, filename, media_type, sha256, bytes)[0]);
}

std::optional<source_record> find_source(pqxx::transaction_base& tx, const std::string& course_id, const std::string& id) {
  auto res = tx.exec_params(std::string("select ") + source_columns + " from sources where id = $1::uuid and course_id = $2::uuid",
                            id, course_id);
  if (res.empty()) return std::nullopt;
  return read_source(res[0]);
}

std::vector<source_record> list_sources(pqxx::transaction_base& tx, const std::string& course_id) {
  std::vector<source_record> out;
  for (const auto& r : tx.exec_params(std::string("select ") + source_columns +
                                          " from sources where course_id = $1::uuid order by created_at, id", course_id))
    out.push_back(read_source(r));
  return out;
}

void set_source_outcome(pqxx::transaction_base& tx, const std::string& id, const source_outcome& o) {
  tx.exec_params(
      "update sources set status = $2, pages = coalesce($3, pages), reject_reason = $4, native_pages = $5, "
      "ocr_pages = $6, mean_ocr_confidence = $7 where id = $1::uuid",
      id, o.status, o.pages, o.reject_reason, o.native_pages, o.ocr_pages, o.mean_ocr_confidence);
}

std::vector<std::string> purgeable_blobs(pqxx::transaction_base& tx, int older_than_s, int limit) {
  std::vector<std::string> out;
  for (const auto& r : tx.exec_params(
           "select distinct s.sha256 from sources s where s.status = 'rejected' and s.purged_at is null and "
           "s.created_at < now() - make_interval(secs => $1) and not exists (select 1 from sources o where "
           "o.sha256 = s.sha256 and o.status <> 'rejected') limit $2",
           older_than_s, limit))
    out.push_back(r[0].as<std::string>());
  return out;
}

void mark_purged(pqxx::transaction_base& tx, const std::string& sha256) {
  tx.exec_params("update sources set purged_at = now() where sha256 = $1 and status = 'rejected'", sha256);
}

blob_tidying tidy_blobs(pqxx::transaction_base& tx, blob_store& blobs, std::chrono::system_clock::time_point before,
                        std::size_t limit) {
  blob_tidying out;
  for (const auto& sha : blobs.marked_before(before, limit)) {
    if (!tx.exec_params("select 1 from sources where sha256 = $1 limit 1", sha).empty()) {
      blobs.unmark(sha);  // a later upload of the same bytes names it
      continue;
    }
    if (blobs.used_since(sha, before)) continue;  // an upload may be about to name it: later
    blobs.remove(sha);
    blobs.unmark(sha);
    ++out.unreferenced_removed;
  }
  out.temp_removed = blobs.remove_temp_before(before, limit);
  return out;
}

}  // namespace sf::storage
