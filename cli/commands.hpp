#pragma once
// The subcommands of the `studyforge` binary.
#include <string>
#include <vector>

namespace sf::cli {

using args = std::vector<std::string>;

int serve_command(const args& a);
int process_command(const args& a);
int migrate_command(const args& a);
int admin_command(const args& a);
int stack_command(const args& a);
int config_command(const args& a);

}  // namespace sf::cli
