/* layout_c.c: the layout of ring.h's types as the C compiler gives it, the
 * one libring is built with, for test_cxx to compare with C++'s. */
#include "layout.h"
#include "ring.h"

const size_t ring_layout_c[] = {RING_LAYOUT_VALUES};
const size_t ring_layout_c_count = sizeof(ring_layout_c) / sizeof(ring_layout_c[0]);
