#include <sodium.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "cli/commands.hpp"

namespace {

void usage() {
  std::fprintf(stderr,
               "studyforge: learning material in, study material out\n\n"
               "  studyforge process FILE... [--out DIR] [--server URL]   make study material from files\n"
               "  studyforge serve                                       run a node (HTTP, WebSocket, jobs)\n"
               "  studyforge migrate                                     apply database migrations\n"
               "  studyforge admin create-user EMAIL [--admin]           add a user (password on stdin)\n"
               "  studyforge stack up [--fast] | down | status           the private PostgreSQL and NATS\n"
               "  studyforge config                                      every setting and its environment name\n");
}

}  // namespace

int main(int argc, char** argv) {
  // Tesseract's OpenMP threads make parallel OCR many times slower, and OpenMP reads its limit
  // only at process start: set it and start again.
  if (!std::getenv("OMP_THREAD_LIMIT")) {
    setenv("OMP_THREAD_LIMIT", "1", 1);
    execv("/proc/self/exe", argv);  // on failure carry on, slower but correct
  }
  if (sodium_init() < 0) {
    std::fprintf(stderr, "studyforge: libsodium failed to initialise\n");
    return 1;
  }
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    usage();
    return argc < 2 ? 2 : 0;
  }
  std::string cmd = argv[1];
  sf::cli::args rest(argv + 2, argv + argc);
  if (cmd == "--version") {
    std::printf("studyforge 0.1.0\n");
    return 0;
  }
  if (cmd == "serve") return sf::cli::serve_command(rest);
  if (cmd == "process") return sf::cli::process_command(rest);
  if (cmd == "migrate") return sf::cli::migrate_command(rest);
  if (cmd == "admin") return sf::cli::admin_command(rest);
  if (cmd == "stack") return sf::cli::stack_command(rest);
  if (cmd == "config") return sf::cli::config_command(rest);
  usage();
  return 2;
}
