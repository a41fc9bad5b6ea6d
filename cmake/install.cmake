# What `cmake --install` puts where, for the targets and files of other
# directories (libring's own rules are in ring/CMakeLists.txt).  Included by
# the top-level CMakeLists.txt once every target exists.

# The harness, and its Google Benchmark runner where that was built.
install(TARGETS ringbench RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The Google Benchmark programs ringbench runs (gbench, --instructions):
# libexec/ringbench/, where it looks for them beside bin/.
if(TARGET ringbench-gbench)
  install(TARGETS ringbench-gbench ring_gbench
    RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/ringbench)
endif()

# The data ringbench reads at run time: it looks for them beside its
# executable, in ../share/ringbench/.  Only the files it reads, not whatever
# else an editor or a run left there.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/scenarios/
  DESTINATION ${CMAKE_INSTALL_DATADIR}/ringbench/scenarios FILES_MATCHING PATTERN "*.ini")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/plots/
  DESTINATION ${CMAKE_INSTALL_DATADIR}/ringbench/plots FILES_MATCHING PATTERN "*.gp")
