// bench/generate: the offline provider's time per 100 pages for each material type, on the
// corpus PDFs (text extracted once, outside the timing).
//
//   bench_generate CORPUS_DIR
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "generate/offline.hpp"
#include "ingest/mupdf_document.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_generate CORPUS_DIR\n");
    return 2;
  }
  json out = json::array();
  for (const char* name : {"long_gnuplot-5.4-manual.pdf", "manual_developers-reference.pdf", "standard_fhs-3.0.pdf"}) {
    auto doc = sf::ingest::extract_document((fs::path(argv[1]) / "pdf" / name).string(), "application/pdf", {}, {}, {});
    if (!doc) continue;
    sf::gen::corpus c;
    c.title = name;
    for (auto& p : doc.value().pages) c.pages.push_back({"bench", p.page, p.text});
    json row{{"document", name}, {"pages", c.pages.size()}};
    for (auto type : {sf::gen::material_type::summary, sf::gen::material_type::outline, sf::gen::material_type::notes,
                      sf::gen::material_type::flashcards, sf::gen::material_type::quiz, sf::gen::material_type::practice_test}) {
      const int rounds = 3;
      auto t0 = std::chrono::steady_clock::now();
      bool ok = true;
      for (int i = 0; i < rounds; ++i) ok = ok && static_cast<bool>(sf::gen::generate_offline(type, c, {}));
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / rounds;
      row[std::string(sf::gen::to_string(type))] = {{"seconds_per_100_pages", s * 100.0 / static_cast<double>(c.pages.size())},
                                                    {"ok", ok}};
    }
    out.push_back(row);
  }
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}
