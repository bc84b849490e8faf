# Sources of tfsim_workloads (included by workloads/CMakeLists.txt).
target_sources(tfsim_workloads PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/names.c
  ${CMAKE_CURRENT_LIST_DIR}/cascade.c)
