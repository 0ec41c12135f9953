# One folder = one library; its link line is its public dependency list.
set(SF_WARNINGS -Wall -Wextra -Wpedantic)
if(STUDYFORGE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

function(sf_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${M_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${SF_WARNINGS})
  target_link_libraries(${name} PUBLIC ${M_DEPS})
endfunction()
