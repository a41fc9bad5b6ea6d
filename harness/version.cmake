# version.cmake: writes version.c, the revision ringbench is built from, at
# every build (cmake -DSRC=... -DOUT=... -P version.cmake).  The file is
# rewritten only when the revision changes, so an unchanged tree compiles
# nothing again.
# The commit's abbreviated hash, "-dirty" with uncommitted changes, never a
# tag's name: a revision that git resolves, that fits, and needs no escaping.
execute_process(COMMAND git -C ${SRC} describe --always --dirty --exclude=*
  OUTPUT_VARIABLE rev OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT rev MATCHES "^[0-9a-f]+(-dirty)?$")
  set(rev unknown)
endif()
# A fixed size: the revision's length never moves what follows it, so two
# builds of one revision stay the same code at the same addresses.
set(text "/* Written by version.cmake at build time. */\nconst char ringbench_revision[64] = \"${rev}\";\n")
set(old "")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
endif()
if(NOT old STREQUAL text)
  file(WRITE ${OUT} "${text}")
endif()
