/* tp_boost.h: what the fault test (harness/tests/fault_transport.c) needs of
 * the `boost_spsc` peer (tp_boost.cpp) to play a broken peer: write an
 * index of the outgoing queue as spsc_queue keeps it in shared memory.
 * Plain C.  Only where CMake found Boost.Lockfree. */
#ifndef TP_BOOST_H
#define TP_BOOST_H

#include <stdbool.h>
#include <stddef.h>

struct tp_worker;

/* Store value into the outgoing queue's write index (write) or read index. */
void tp_boost_break_index(struct tp_worker *w, bool write, size_t value);

#endif
