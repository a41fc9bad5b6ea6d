# What `cmake --install` puts where, for the targets and files of other
# directories (libring's own rules are in ring/CMakeLists.txt).  Included by
# the top-level CMakeLists.txt once every target exists.

# The harness, and its Google Benchmark runner where that was built.
install(TARGETS ringbench RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET ringbench-gbench)
  install(TARGETS ringbench-gbench RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

# The data ringbench reads at run time: it looks for them beside its
# executable, in ../share/ringbench/.  Only the files it reads, not whatever
# else an editor or a run left there.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/scenarios/
  DESTINATION ${CMAKE_INSTALL_DATADIR}/ringbench/scenarios FILES_MATCHING PATTERN "*.ini")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/plots/
  DESTINATION ${CMAKE_INSTALL_DATADIR}/ringbench/plots FILES_MATCHING PATTERN "*.gp")
