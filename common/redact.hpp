#pragma once
// Connection strings as they may be shown in errors and logs: without their passwords.
#include <string>
#include <string_view>

namespace sf {

// "nats://user:secret@host:4222" -> "nats://user:***@host:4222"; a libpq key=value string's
// "password=secret" -> "password=***". Anything else comes back as it was.
std::string without_password(std::string_view url);

}  // namespace sf
