#include "storage/extractions.hpp"

#include "storage/row_reader.hpp"

namespace sf::storage {

std::optional<extraction_record> find_extraction(pqxx::transaction_base& tx, const std::string& sha256) {
  auto res = tx.exec_params(
      "select sha256, page_count, native_pages, ocr_pages, mean_ocr_confidence from extractions where sha256 = $1", sha256);
  if (res.empty()) return std::nullopt;
  const auto& r = res[0];
  return extraction_record{r[0].as<std::string>(), r[1].as<int>(), r[2].as<int>(), r[3].as<int>(), detail::opt_double(r[4])};
}

void save_extraction(pqxx::transaction_base& tx, const extraction_record& e, const std::vector<page_record>& pages,
                     const std::vector<chunk_record>& chunks) {
  auto inserted = tx.exec_params(
      "insert into extractions (sha256, page_count, native_pages, ocr_pages, mean_ocr_confidence) "
      "values ($1, $2, $3, $4, $5) on conflict (sha256) do nothing",
      e.sha256, e.page_count, e.native_pages, e.ocr_pages, e.mean_ocr_confidence);
  if (inserted.affected_rows() == 0) return;
  // COPY: one round trip for hundreds of pages.
  {
    pqxx::stream_to out(tx, "pages", std::vector<std::string>{"sha256", "page", "method", "text", "confidence", "start_s"});
    for (const auto& p : pages) out << std::make_tuple(e.sha256, p.page, p.method, p.text, p.confidence, p.start_seconds);
    out.complete();
  }
  save_chunks(tx, e.sha256, chunks);
}

bool has_chunks(pqxx::transaction_base& tx, const std::string& sha256) {
  // Under a lock on the file until the transaction ends: two jobs reusing the same text at
  // once do not both add its chunks.
  tx.exec_params("select pg_advisory_xact_lock(hashtext($1))", sha256);
  return !tx.exec_params("select 1 from chunks where sha256 = $1 limit 1", sha256).empty();
}

void save_chunks(pqxx::transaction_base& tx, const std::string& sha256, const std::vector<chunk_record>& chunks) {
  pqxx::stream_to out(tx, "chunks", std::vector<std::string>{"sha256", "ordinal", "page_start", "page_end", "heading", "text"});
  for (const auto& c : chunks) out << std::make_tuple(sha256, c.ordinal, c.page_start, c.page_end, c.heading, c.text);
  out.complete();
}

std::vector<page_record> load_pages(pqxx::transaction_base& tx, const std::string& sha256) {
  std::vector<page_record> out;
  for (const auto& r : tx.exec_params("select page, method, text, confidence, start_s from pages where sha256 = $1 order by page", sha256))
    out.push_back(page_record{r[0].as<int>(), r[1].as<std::string>(), r[2].as<std::string>(), detail::opt_double(r[3]),
                              detail::opt_double(r[4])});
  return out;
}

}  // namespace sf::storage
