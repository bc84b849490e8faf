# Sources of tfsim_workloads (included by workloads/CMakeLists.txt).
target_sources(tfsim_workloads PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/names.c
  ${CMAKE_CURRENT_LIST_DIR}/cascade.c
  ${CMAKE_CURRENT_LIST_DIR}/model.c
  ${CMAKE_CURRENT_LIST_DIR}/zoo.c
  ${CMAKE_CURRENT_LIST_DIR}/hf.c
  ${CMAKE_CURRENT_LIST_DIR}/lower.c
  ${CMAKE_CURRENT_LIST_DIR}/eval.c)
