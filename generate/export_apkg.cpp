#include "generate/export_apkg.hpp"

#include <sqlite3.h>
#include <zlib.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/hash.hpp"
#include "common/ids.hpp"
#include "generate/export_csv.hpp"

namespace sf::gen {
namespace {

using json = nlohmann::json;

void put16(std::string& out, std::uint16_t v) {
  out += static_cast<char>(v & 0xFF);
  out += static_cast<char>(v >> 8);
}
void put32(std::string& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v & 0xFFFF));
  put16(out, static_cast<std::uint16_t>(v >> 16));
}

std::uint32_t rol(std::uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

const char* schema =
    "create table col (id integer primary key, crt integer not null, mod integer not null, scm integer not null, "
    "ver integer not null, dty integer not null, usn integer not null, ls integer not null, conf text not null, "
    "models text not null, decks text not null, dconf text not null, tags text not null);"
    "create table notes (id integer primary key, guid text not null, mid integer not null, mod integer not null, "
    "usn integer not null, tags text not null, flds text not null, sfld integer not null, csum integer not null, "
    "flags integer not null, data text not null);"
    "create table cards (id integer primary key, nid integer not null, did integer not null, ord integer not null, "
    "mod integer not null, usn integer not null, type integer not null, queue integer not null, due integer not null, "
    "ivl integer not null, factor integer not null, reps integer not null, lapses integer not null, left integer not null, "
    "odue integer not null, odid integer not null, flags integer not null, data text not null);"
    "create table revlog (id integer primary key, cid integer not null, usn integer not null, ease integer not null, "
    "ivl integer not null, lastIvl integer not null, factor integer not null, time integer not null, type integer not null);"
    "create table graves (usn integer not null, oid integer not null, type integer not null);"
    "create index ix_notes_usn on notes (usn); create index ix_cards_usn on cards (usn);"
    "create index ix_cards_nid on cards (nid); create index ix_cards_sched on cards (did, queue, due);"
    "create index ix_notes_csum on notes (csum); create index ix_revlog_cid on revlog (cid);";

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else out += c;
  }
  return out;
}

json note_type(long long mid, long long did, long long now) {
  auto field = [](const char* name, int ord) {
    return json{{"name", name}, {"ord", ord}, {"sticky", false}, {"rtl", false}, {"font", "Arial"}, {"size", 20}, {"media", json::array()}};
  };
  return {{"id", mid}, {"name", "Basic (studyforge)"}, {"type", 0}, {"mod", now}, {"usn", -1}, {"sortf", 0}, {"did", did},
          {"tmpls", {{{"name", "Card 1"}, {"ord", 0}, {"qfmt", "{{Front}}"}, {"afmt", "{{FrontSide}}<hr id=answer>{{Back}}"},
                      {"did", nullptr}, {"bqfmt", ""}, {"bafmt", ""}}}},
          {"flds", {field("Front", 0), field("Back", 1)}},
          {"css", ".card { font-family: arial; font-size: 20px; text-align: center; color: black; background-color: white; }"},
          {"latexPre", "\\documentclass[12pt]{article}\n\\special{papersize=3in,5in}\n\\usepackage{amssymb,amsmath}\n"
                       "\\pagestyle{empty}\n\\setlength{\\parindent}{0in}\n\\begin{document}\n"},
          {"latexPost", "\\end{document}"}, {"tags", json::array()}, {"vers", json::array()}, {"req", {{0, "any", {0}}}}};
}

json deck(long long did, const std::string& name, long long now) {
  return {{"id", did}, {"name", name}, {"mod", now}, {"usn", -1}, {"desc", "Made by studyforge"}, {"dyn", 0}, {"conf", 1},
          {"collapsed", false}, {"extendNew", 10}, {"extendRev", 50}, {"newToday", {0, 0}}, {"revToday", {0, 0}},
          {"lrnToday", {0, 0}}, {"timeToday", {0, 0}}};
}

struct db_deleter {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};

}  // namespace

std::string sha1_hex(const std::string& data) {
  std::uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  std::string m = data;
  std::uint64_t bits = static_cast<std::uint64_t>(data.size()) * 8;
  m += static_cast<char>(0x80);
  while (m.size() % 64 != 56) m += '\0';
  for (int i = 7; i >= 0; --i) m += static_cast<char>((bits >> (i * 8)) & 0xFF);
  for (std::size_t chunk = 0; chunk < m.size(); chunk += 64) {
    std::uint32_t w[80];
    for (int i = 0; i < 16; ++i)
      w[i] = static_cast<std::uint32_t>(static_cast<unsigned char>(m[chunk + 4 * i])) << 24 |
             static_cast<std::uint32_t>(static_cast<unsigned char>(m[chunk + 4 * i + 1])) << 16 |
             static_cast<std::uint32_t>(static_cast<unsigned char>(m[chunk + 4 * i + 2])) << 8 |
             static_cast<std::uint32_t>(static_cast<unsigned char>(m[chunk + 4 * i + 3]));
    for (int i = 16; i < 80; ++i) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; ++i) {
      std::uint32_t f, k;
      if (i < 20) { f = (b & c) | (~b & d); k = 0x5A827999; }
      else if (i < 40) { f = b ^ c ^ d; k = 0x6ED9EBA1; }
      else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDC; }
      else { f = b ^ c ^ d; k = 0xCA62C1D6; }
      std::uint32_t t = rol(a, 5) + f + e + k + w[i];
      e = d;
      d = c;
      c = rol(b, 30);
      b = a;
      a = t;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
  }
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (auto v : h)
    for (int i = 7; i >= 0; --i) out += digits[(v >> (i * 4)) & 0xF];
  return out;
}

std::string zip_store(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out, central;
  for (const auto& [name, data] : entries) {
    auto crc = static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
    auto offset = static_cast<std::uint32_t>(out.size());
    auto size = static_cast<std::uint32_t>(data.size());
    // local file header, version 2.0, stored, DOS time 1980-01-01
    put32(out, 0x04034b50); put16(out, 20); put16(out, 0); put16(out, 0); put16(out, 0); put16(out, 0x21);
    put32(out, crc); put32(out, size); put32(out, size); put16(out, static_cast<std::uint16_t>(name.size())); put16(out, 0);
    out += name;
    out += data;
    put32(central, 0x02014b50); put16(central, 20); put16(central, 20); put16(central, 0); put16(central, 0); put16(central, 0);
    put16(central, 0x21); put32(central, crc); put32(central, size); put32(central, size);
    put16(central, static_cast<std::uint16_t>(name.size())); put16(central, 0); put16(central, 0); put16(central, 0);
    put16(central, 0); put32(central, 0); put32(central, offset);
    central += name;
  }
  auto central_offset = static_cast<std::uint32_t>(out.size());
  out += central;
  put32(out, 0x06054b50); put16(out, 0); put16(out, 0);
  put16(out, static_cast<std::uint16_t>(entries.size())); put16(out, static_cast<std::uint16_t>(entries.size()));
  put32(out, static_cast<std::uint32_t>(central.size())); put32(out, central_offset); put16(out, 0);
  return out;
}

result<std::string> flashcards_apkg(const json& content, const std::string& deck_name, const std::string& guid_seed,
                                    const std::string& work_dir, long long now_s) {
  namespace fs = std::filesystem;
  // A name of its own: two exports of one course in the same second must not share a file.
  auto path = fs::path(work_dir) / ("apkg-" + new_uuid() + ".anki2");
  std::error_code ec;
  fs::remove(path, ec);
  sqlite3* raw = nullptr;
  if (sqlite3_open(path.c_str(), &raw) != SQLITE_OK) return failure(errc::internal, "cannot create the Anki collection");
  std::unique_ptr<sqlite3, db_deleter> db(raw);
  auto cleanup = std::unique_ptr<fs::path, void (*)(fs::path*)>(&path, [](fs::path* p) {
    std::error_code e;
    fs::remove(*p, e);
  });
  if (sqlite3_exec(db.get(), schema, nullptr, nullptr, nullptr) != SQLITE_OK)
    return failure(errc::internal, "cannot create the Anki tables");

  // Stable ids from the course: re-exports carry the same note type, deck and notes.
  long long mid = 1'000'000'000'000LL + static_cast<long long>(fnv1a("model:" + guid_seed, fnv_basis_v1) % 1'000'000'000'000ULL);
  long long did = 1'000'000'000'000LL + static_cast<long long>(fnv1a("deck:" + guid_seed, fnv_basis_v1) % 1'000'000'000'000ULL);
  long long now_ms = now_s * 1000;
  json models{{std::to_string(mid), note_type(mid, did, now_s)}};
  json decks{{"1", deck(1, "Default", now_s)}, {std::to_string(did), deck(did, deck_name, now_s)}};
  json dconf{{"1", {{"id", 1}, {"name", "Default"}, {"mod", 0}, {"usn", 0}, {"maxTaken", 60}, {"autoplay", true},
                    {"timer", 0}, {"replayq", true}, {"dyn", false},
                    {"new", {{"delays", {1, 10}}, {"ints", {1, 4, 7}}, {"initialFactor", 2500}, {"perDay", 20}, {"order", 1}}},
                    {"rev", {{"perDay", 200}, {"ease4", 1.3}, {"ivlFct", 1}, {"maxIvl", 36500}}},
                    {"lapse", {{"delays", {10}}, {"mult", 0}, {"minInt", 1}, {"leechFails", 8}, {"leechAction", 0}}}}}};
  json conf{{"nextPos", 1}, {"estTimes", true}, {"activeDecks", {1}}, {"sortType", "noteFld"}, {"timeLim", 0},
            {"sortBackwards", false}, {"addToCur", true}, {"curDeck", 1}, {"newSpread", 0}, {"dueCounts", true},
            {"curModel", std::to_string(mid)}, {"collapseTime", 1200}};

  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db.get(), "insert into col values (1, ?, ?, ?, 11, 0, 0, 0, ?, ?, ?, ?, '{}')", -1, &st, nullptr);
  auto conf_s = conf.dump(), models_s = models.dump(), decks_s = decks.dump(), dconf_s = dconf.dump();
  sqlite3_bind_int64(st, 1, now_s);
  sqlite3_bind_int64(st, 2, now_ms);
  sqlite3_bind_int64(st, 3, now_ms);
  sqlite3_bind_text(st, 4, conf_s.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 5, models_s.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 6, decks_s.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 7, dconf_s.c_str(), -1, SQLITE_TRANSIENT);
  bool ok = sqlite3_step(st) == SQLITE_DONE;
  sqlite3_finalize(st);
  if (!ok) return failure(errc::internal, "cannot write the Anki collection");

  sqlite3_exec(db.get(), "begin", nullptr, nullptr, nullptr);
  sqlite3_stmt* note = nullptr;
  sqlite3_stmt* card = nullptr;
  sqlite3_prepare_v2(db.get(), "insert into notes values (?, ?, ?, ?, -1, ?, ?, ?, ?, 0, '')", -1, &note, nullptr);
  sqlite3_prepare_v2(db.get(), "insert into cards values (?, ?, ?, 0, ?, -1, 0, 0, ?, 0, 0, 0, 0, 0, 0, 0, 0, '')", -1, &card,
                     nullptr);
  int position = 0;
  for (const auto& c : content.value("cards", json::array())) {
    std::string front = c.value("front", ""), back = c.value("back", "");
    if (front.empty()) continue;
    auto h = card_hash(guid_seed, front);
    long long nid = 1'000'000'000'000LL + static_cast<long long>(h % 1'000'000'000'000ULL);
    std::string guid = std::to_string(h);
    std::string page = card_page_tag(c);
    std::string tags = " studyforge" + (page.empty() ? "" : " " + page) + " ";
    std::string fields = html_escape(front) + "\x1f" + html_escape(back);
    long long csum = std::stoll(sha1_hex(front).substr(0, 8), nullptr, 16);
    sqlite3_bind_int64(note, 1, nid);
    sqlite3_bind_text(note, 2, guid.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(note, 3, mid);
    sqlite3_bind_int64(note, 4, now_s);
    sqlite3_bind_text(note, 5, tags.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(note, 6, fields.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(note, 7, front.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(note, 8, csum);
    ok = ok && sqlite3_step(note) == SQLITE_DONE;
    sqlite3_reset(note);
    sqlite3_bind_int64(card, 1, nid + 1);
    sqlite3_bind_int64(card, 2, nid);
    sqlite3_bind_int64(card, 3, did);
    sqlite3_bind_int64(card, 4, now_s);
    sqlite3_bind_int64(card, 5, ++position);
    ok = ok && sqlite3_step(card) == SQLITE_DONE;
    sqlite3_reset(card);
  }
  sqlite3_finalize(note);
  sqlite3_finalize(card);
  sqlite3_exec(db.get(), "commit", nullptr, nullptr, nullptr);
  if (!ok) return failure(errc::internal, "cannot write the Anki notes (two cards with the same front?)");
  db.reset();
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return zip_store({{"collection.anki2", bytes.str()}, {"media", "{}"}});
}

}  // namespace sf::gen
