# Writes a C++ file holding web/index.html as a string.
file(READ ${SRC} html)
file(WRITE ${OUT}.tmp "#include \"web/index_html.hpp\"\nnamespace sf::web {\nconst char* const index_html = R\"sfweb(${html})sfweb\";\n}  // namespace sf::web\n")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})
