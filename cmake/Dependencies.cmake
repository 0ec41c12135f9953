# Every dependency comes from Debian 12's packages; see docs/building.md for the quirks.
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(fmt 9 REQUIRED)
find_package(spdlog 1.10 REQUIRED)
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED)  # SHA-1 for the WebSocket handshake
find_package(ZLIB REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(PQXX   REQUIRED IMPORTED_TARGET libpqxx)
pkg_check_modules(NATS   REQUIRED IMPORTED_TARGET libnats)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(SQLITE REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(TESS   REQUIRED IMPORTED_TARGET tesseract lept)
pkg_check_modules(MUPDF_DEPS REQUIRED IMPORTED_TARGET harfbuzz freetype2 libopenjp2 libjpeg zlib)

# CAF 0.17 ships neither a CMake config nor a .pc file.
find_library(CAF_CORE caf_core REQUIRED)
find_library(CAF_IO caf_io REQUIRED)
add_library(caf INTERFACE)
target_link_libraries(caf INTERFACE ${CAF_IO} ${CAF_CORE} Threads::Threads)

# MuPDF is static only and its .pc file is wrong; order matters.
foreach(l mupdf mupdf-third jbig2dec gumbo mujs)
  find_library(LIB_${l} ${l} REQUIRED)
endforeach()
add_library(mupdf INTERFACE)
target_link_libraries(mupdf INTERFACE ${LIB_mupdf} ${LIB_mupdf-third} PkgConfig::MUPDF_DEPS
  ${LIB_jbig2dec} ${LIB_gumbo} ${LIB_mujs} m)

add_library(beast INTERFACE)
# Boost 1.74 Asio needs <utility> before it in C++20 (std::exchange).
target_compile_options(beast INTERFACE -include utility)
target_link_libraries(beast INTERFACE Boost::headers Threads::Threads)

# pocketsphinx's .pc file names an include directory that does not exist on Debian 12.
find_library(PS_LIB pocketsphinx REQUIRED)
find_library(SB_LIB sphinxbase REQUIRED)
add_library(pocketsphinx INTERFACE)
target_include_directories(pocketsphinx INTERFACE /usr/include/pocketsphinx /usr/include/x86_64-linux-gnu/sphinxbase)
target_link_libraries(pocketsphinx INTERFACE ${PS_LIB} ${SB_LIB})
