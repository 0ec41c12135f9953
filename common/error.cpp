#include "common/error.hpp"

namespace sf {

std::string_view to_string(errc c) noexcept {
  switch (c) {
    case errc::invalid_argument: return "invalid_argument";
    case errc::invalid_value: return "invalid_value";
    case errc::not_found: return "not_found";
    case errc::conflict: return "conflict";
    case errc::too_large: return "too_large";
    case errc::unsupported_media: return "unsupported_media_type";
    case errc::rejected: return "rejected";
    case errc::transient: return "transient";
    case errc::unavailable: return "unavailable";
    case errc::cancelled: return "cancelled";
    case errc::time_limit: return "time_limit";
    case errc::internal: return "internal";
  }
  return "internal";
}

}  // namespace sf
