# sources.cmake — the sources of tfsim_results (included by
# results/CMakeLists.txt).  The gnuplot scripts under plots/ are embedded
# into a generated res_plots.c, so `tfsim report` writes exactly the
# scripts a user can run by hand.
file(GLOB TFSIM_RES_GP CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/plots/*.gp)
add_custom_command(
  OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/res_plots.c
  COMMAND ${CMAKE_COMMAND} -DDIR=${CMAKE_CURRENT_SOURCE_DIR}/plots
          -DOUT=${CMAKE_CURRENT_BINARY_DIR}/res_plots.c
          -P ${CMAKE_CURRENT_SOURCE_DIR}/plots/embed.cmake
  DEPENDS ${TFSIM_RES_GP} ${CMAKE_CURRENT_SOURCE_DIR}/plots/embed.cmake
  COMMENT "Embedding results/plots/*.gp"
  VERBATIM)
target_sources(tfsim_results PRIVATE
  ${CMAKE_CURRENT_SOURCE_DIR}/db.c
  ${CMAKE_CURRENT_SOURCE_DIR}/write.c
  ${CMAKE_CURRENT_SOURCE_DIR}/json.c
  ${CMAKE_CURRENT_SOURCE_DIR}/report.c
  ${CMAKE_CURRENT_SOURCE_DIR}/regress.c
  ${CMAKE_CURRENT_SOURCE_DIR}/scaling.c
  ${CMAKE_CURRENT_SOURCE_DIR}/compare.c
  ${CMAKE_CURRENT_SOURCE_DIR}/timeline.c
  ${CMAKE_CURRENT_BINARY_DIR}/res_plots.c)
